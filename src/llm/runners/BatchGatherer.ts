import type { CustomBatchingDispatchSchedule, LlamaContext } from "node-llama-cpp";

/** Longest a queued token waits for the other generating sequences to queue theirs. */
const MAX_WAIT_MS = 3;

/**
 * node-llama-cpp's default batch dispatch ("nextCycle") fires on the next event-loop turn. Each sequence samples
 * its token on a worker thread of its own, so after a batch their next tokens arrive on different turns and
 * every later batch holds a single sequence: 4 concurrent streams decoded no faster together than 1 (48 vs 46
 * tokens/s here). This schedule waits, briefly, until every sequence that is generating has queued its token,
 * so they are decoded in one batch again.
 */
export class BatchGatherer {
  private context: LlamaContext | undefined;
  /** Sequences taken from the pool: the ones whose next token is worth waiting for. */
  active = 0;

  readonly schedule: CustomBatchingDispatchSchedule = (dispatch) => {
    const deadline = performance.now() + MAX_WAIT_MS;
    const poll = () => {
      if (this.queued() >= this.active || performance.now() >= deadline) dispatch();
      else setImmediate(poll);
    };
    setImmediate(poll);
  };

  attach(context: LlamaContext): void {
    this.context = context;
  }

  /**
   * Sequences with a decode queued. node-llama-cpp keeps this in an internal field (no public API reaches it);
   * if a later version renames it, the schedule degrades to dispatching at once, never to waiting forever.
   */
  private queued(): number {
    const ids = (this.context as unknown as { _queuedDecodeSequenceIds?: Set<number> } | undefined)?._queuedDecodeSequenceIds;
    return ids?.size ?? Number.POSITIVE_INFINITY;
  }
}
