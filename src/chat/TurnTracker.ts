import { DomainError } from "../errors/DomainError.js";
import { TurnInterrupted, type StopReason } from "./TurnInterrupted.js";

/** One tracked request: its signal, and the call that ends it (idempotent). */
export interface TurnLifetime {
  /** Aborts with a TurnInterrupted when the client leaves, the request times out, or shutdown cuts it. */
  readonly signal: AbortSignal;
  end(): void;
}

/**
 * Every generation request from the moment it is accepted until it has released what it holds: the one
 * signal that ends it early, and graceful shutdown (refuse new requests, let running ones finish within the
 * grace period, then cut the rest and wait until each has saved what it sent).
 */
export class TurnTracker {
  private readonly active = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private draining = false;

  constructor(
    /** A request's whole life, waiting for its chat and for the model included. */
    private readonly timeoutMs: number,
  ) {}

  /** Starts tracking a request; `clientGone` aborts when its client goes away. */
  begin(clientGone: AbortSignal): TurnLifetime {
    if (this.draining) throw new DomainError("shutting_down", "The server is shutting down.", { retryAfterSeconds: 5 });
    const controller = new AbortController();
    const abort = (reason: StopReason) => {
      if (!controller.signal.aborted) controller.abort(new TurnInterrupted(reason));
    };
    const onClientGone = () => abort("client_disconnected");
    const onShutdown = () => abort("shutdown");
    const timer = setTimeout(() => abort("timeout"), this.timeoutMs);
    if (clientGone.aborted) onClientGone();
    clientGone.addEventListener("abort", onClientGone, { once: true });
    this.stopping.signal.addEventListener("abort", onShutdown, { once: true });

    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    this.active.add(done);
    let over = false;
    return {
      signal: controller.signal,
      end: () => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        clientGone.removeEventListener("abort", onClientGone);
        this.stopping.signal.removeEventListener("abort", onShutdown);
        this.active.delete(done);
        ended();
      },
    };
  }

  /**
   * Refuses new requests, lets running ones finish for up to `graceMs`, then aborts the rest (their partial
   * replies are saved, marked interrupted) and waits until every one of them has ended.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.active), graceOver]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.all(this.active);
  }
}
