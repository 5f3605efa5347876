/**
 * Gives work that needs a context's lock a way in while other sequences generate. node-llama-cpp's batch loop
 * holds the context lock for as long as a decode is queued, and with two or more sequences generating one
 * always is (each queues its next token while the other's batch decodes), so `saveStateToFile`,
 * `loadStateFromFile` and `eraseContextTokenRanges` (recycling a sequence) waited until every other reply had
 * ended: 137 s behind two 1,500-token replies (`scripts/contention-probe.ts`). Generations call `between()`
 * before each next token and prompt batch; while work is waiting they stop queuing decodes, the batch loop
 * runs dry and lets the lock go, the work runs, and they go on: a pause of about one batch step.
 */
export class ContextLockBreak {
  private pending: Promise<void> | undefined;

  /** Resolves at once unless work is waiting or running; then once it (and any queued behind it) is done. */
  async between(): Promise<void> {
    while (this.pending !== undefined) await this.pending;
  }

  /** Runs `work` while every generation waits at its next step; one work at a time, in order. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = (this.pending ?? Promise.resolve()).then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending = settled;
    void settled.then(() => {
      if (this.pending === settled) this.pending = undefined;
    });
    return result;
  }
}
