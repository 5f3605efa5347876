import type { Logger } from "pino";
import type { Token } from "node-llama-cpp";
import type { FinishReason, Generation, GenerationResult } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { InterruptReason } from "../sessions/Session.js";
import { stopReasonOf } from "./TurnInterrupted.js";

export interface ReplyHooks {
  /** The turn's signal (see TurnTracker). */
  signal: AbortSignal;
  logger: Logger;
  metrics: Metrics;
  /**
   * Resolves once the response has ended: true when the client was sent all of it (its terminating chunk
   * included), false when it was cut. Absent: a reply read to its end is delivered.
   */
  delivered?: Promise<boolean> | undefined;
  /** The text sent so far, while the reply runs: at its first chunk, then about once a second. */
  progress?: (reply: string) => Promise<void>;
  /**
   * Called once the reply has ended, however it ended: the text the client was sent, why it ended early
   * (undefined when it ran to its end and was delivered) and, for a complete reply, the tokens it was
   * generated as.
   */
  finished: (reply: string, interrupted: InterruptReason | undefined, tokens: readonly Token[] | undefined) => Promise<void>;
  /** Releases what the turn holds; called exactly once, last, even when saving failed. */
  release: () => void;
}

/**
 * A reply being generated, read by the response: passes its chunks on and, when it ends (its last chunk, a
 * runner failure, a consumer that stops reading, or a client that left before reading began), hands what was
 * sent to `finished` and releases the turn. It owns the in-flight gauge and the generation metrics.
 */
export class ReplyStream implements AsyncIterable<string> {
  private sent = "";
  private taken = false;
  private reading = false;
  private ending: Promise<InterruptReason | undefined> | undefined;
  /** Progress saves, one after another; the final save waits for them. */
  private saving: Promise<void> = Promise.resolve();
  private savedAt = -Infinity;
  /** Why the turn could not be saved at its end (a lost lease, a store that failed), if it could not. */
  private saveFailure: unknown;
  private markEnded!: () => void;
  /** Resolves once the reply has ended and what was sent is saved (before its delivery is known). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  private constructor(
    private readonly first: IteratorResult<string>,
    private readonly rest: AsyncIterator<string>,
    /** The runner's result, known once the reply has ended. */
    readonly result: Promise<GenerationResult>,
    /** Tokens in the prompt (an upper bound for runners without a tokenizer). */
    readonly promptTokens: number,
    private readonly hooks: ReplyHooks,
  ) {
    // A client that leaves before the response began reading would otherwise leave the turn held for good: a
    // stream that is destroyed unread never runs an async generator's `finally`.
    if (hooks.signal.aborted) void this.cancel();
    else hooks.signal.addEventListener("abort", () => void (this.reading ? undefined : this.cancel()), { once: true });
  }

  /** The turn's signal: aborts when the client leaves, the request times out, or shutdown cuts the reply. */
  get signal(): AbortSignal {
    return this.hooks.signal;
  }

  /**
   * Runs the generation until its first chunk, so that a failure before any text is an ordinary error (an
   * error response, nothing stored) rather than a broken stream. On failure the caller still holds the turn.
   */
  static async start(generation: Generation, promptTokens: number, hooks: ReplyHooks): Promise<ReplyStream> {
    const iterator = generation[Symbol.asyncIterator]();
    hooks.metrics.inFlight.inc();
    let first: IteratorResult<string>;
    try {
      first = await iterator.next();
    } catch (error) {
      hooks.metrics.inFlight.dec();
      throw stopReasonOf(hooks.signal) !== undefined ? hooks.signal.reason : error;
    }
    return new ReplyStream(first, iterator, generation.result, promptTokens, hooks);
  }

  /** Ends the reply without reading it (saving nothing the client did not get); safe to call at any time. */
  async cancel(): Promise<void> {
    if (!this.reading) await this.end(false, undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.taken) throw new Error("A reply can be read only once");
    this.taken = true;
    const chunks = this.chunks();
    const stop = async (): Promise<IteratorResult<string>> => {
      if (this.reading) await chunks.return(undefined);
      else await this.cancel();
      return { done: true, value: undefined };
    };
    return {
      next: () => {
        // Cancelled before reading began: there is nothing left to read.
        if (!this.reading && this.ending !== undefined) return Promise.resolve({ done: true, value: undefined });
        this.reading = true;
        return chunks.next();
      },
      return: stop,
      // A stream destroyed with an error: the reply just stops, as when the client leaves.
      throw: stop,
    };
  }

  private async *chunks(): AsyncGenerator<string, void, undefined> {
    let completed = false;
    let failure: unknown;
    try {
      let next = this.first;
      while (next.done !== true) {
        this.sent += next.value;
        this.saveProgress();
        yield next.value;
        next = await this.rest.next();
      }
      completed = true;
    } catch (error) {
      failure = error;
      this.hooks.logger.error({ err: error }, "generation failed after the reply had started");
      throw error;
    } finally {
      const interrupted = await this.end(completed, failure);
      // A reply that could not be stored must not look complete either (a lease lost to another replica);
      // a consumer that stopped reading is past hearing it.
      if (this.saveFailure !== undefined && (completed || failure !== undefined)) throw this.saveFailure;
      // A reply cut short by timeout or shutdown must not look complete: failing the stream makes the
      // response end without its terminating chunk, so the client sees a truncated transfer.
      if (completed && interrupted !== undefined && interrupted !== "client_disconnected") {
        throw this.hooks.signal.reason;
      }
    }
  }

  /** Saves what was sent at the first chunk and then at most once a second, never two saves at once. */
  private saveProgress(): void {
    const { progress } = this.hooks;
    const now = performance.now();
    if (progress === undefined || now - this.savedAt < PROGRESS_INTERVAL_MS) return;
    this.savedAt = now;
    const reply = this.sent;
    this.saving = this.saving
      .then(() => progress(reply))
      .catch((error: unknown) => this.hooks.logger.warn({ err: error }, "could not save a reply in progress"));
  }

  /**
   * The one end of every reply: stops the runner, records, saves what was sent (before the stream ends, so
   * that a client that has read the end finds its turn stored); then, without holding up the stream (whose
   * end is what delivers it), waits for the delivery, corrects the turn to interrupted when the response was
   * cut on its way out, and releases. Runs once; later calls share it. Resolves with why the reply ended
   * early, as far as generation knows.
   */
  private end(completed: boolean, failure: unknown): Promise<InterruptReason | undefined> {
    this.ending ??= (async () => {
      const { hooks } = this;
      let interrupted: InterruptReason | undefined = "error";
      let saved = false;
      try {
        await this.rest.return?.();
        const outcome = await this.result.then((value) => value, () => undefined);
        interrupted = interruptionReason(completed, failure, outcome?.finishReason, hooks.signal);
        if (outcome !== undefined) hooks.metrics.recordGeneration(outcome);
        await this.saving;
        // Only a reply that ran to its end keeps its tokens: an interrupted one is re-evaluated as text.
        await hooks.finished(this.sent, interrupted, interrupted === undefined ? outcome?.tokens : undefined);
        saved = true;
      } catch (error) {
        this.saveFailure = error;
        hooks.logger.error({ err: error }, "could not save the turn");
      } finally {
        this.markEnded();
        void this.settle(saved && interrupted === undefined && this.reading);
      }
      return interrupted;
    })();
    return this.ending;
  }

  /** A complete reply is complete only once the client has had all of it, its terminating chunk included. */
  private async settle(checkDelivery: boolean): Promise<void> {
    const { hooks } = this;
    try {
      if (checkDelivery && hooks.delivered !== undefined && !(await hooks.delivered)) {
        await hooks.finished(this.sent, stopReasonOf(hooks.signal) ?? "client_disconnected", undefined);
      }
    } catch (error) {
      hooks.logger.error({ err: error }, "could not save the turn");
    } finally {
      hooks.metrics.inFlight.dec();
      hooks.release();
    }
  }
}

const PROGRESS_INTERVAL_MS = 1000;

/**
 * Why a reply ended early, or undefined when it ran to its end. `completed` says the stream was read to its
 * last chunk; a consumer that stopped reading (the client went away) leaves it false.
 */
function interruptionReason(
  completed: boolean,
  failure: unknown,
  finish: FinishReason | undefined,
  signal: AbortSignal,
): InterruptReason | undefined {
  const stopped = stopReasonOf(signal);
  if (completed && finish !== "abort") return undefined;
  if (failure !== undefined && stopped === undefined) return "error";
  return stopped ?? "client_disconnected";
}
