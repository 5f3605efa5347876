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
   * Called once the reply has ended, however it ended: the text the client was sent, why it ended early
   * (undefined when it ran to its end) and, for a complete reply, the tokens it was generated as.
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
    hooks.signal.addEventListener("abort", () => void (this.reading ? undefined : this.cancel()), { once: true });
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
      // A reply cut short by timeout or shutdown must not look complete: failing the stream makes the
      // response end without its terminating chunk, so the client sees a truncated transfer.
      if (completed && interrupted !== undefined && interrupted !== "client_disconnected") {
        throw this.hooks.signal.reason;
      }
    }
  }

  /** The one end of every reply: stops the runner, records, saves, releases. Runs once; later calls share it. */
  private end(completed: boolean, failure: unknown): Promise<InterruptReason | undefined> {
    this.ending ??= (async () => {
      const { hooks } = this;
      let interrupted: InterruptReason | undefined;
      try {
        await this.rest.return?.();
        const outcome = await this.result.then((value) => value, () => undefined);
        interrupted = interruptionReason(completed, failure, outcome?.finishReason, hooks.signal);
        if (outcome !== undefined) hooks.metrics.recordGeneration(outcome);
        // Only a reply that ran to its end keeps its tokens: an interrupted one is re-evaluated as text.
        await hooks.finished(this.sent, interrupted, interrupted === undefined ? outcome?.tokens : undefined);
      } catch (error) {
        hooks.logger.error({ err: error }, "could not save the turn");
      } finally {
        hooks.metrics.inFlight.dec();
        hooks.release();
      }
      return interrupted;
    })();
    return this.ending;
  }
}

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
