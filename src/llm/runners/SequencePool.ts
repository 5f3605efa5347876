import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * The context's sequences, handed out one request at a time. A request prefers the idle sequence whose cached
 * tokens share the longest prefix with its prompt, so a follow-up turn of the last chat re-evaluates little.
 * Waiters are served first come, first served.
 */
export class SequencePool {
  private readonly idle: LlamaContextSequence[] = [];
  private readonly waiters: Array<{ tokens: readonly Token[]; grant: (sequence: LlamaContextSequence) => void }> = [];

  constructor(context: LlamaContext, size: number) {
    for (let i = 0; i < size; i++) this.idle.push(context.getSequence());
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(tokens: readonly Token[], signal?: AbortSignal): Promise<LlamaContextSequence> {
    signal?.throwIfAborted();
    if (this.idle.length > 0 && this.waiters.length === 0) return this.take(tokens);
    return new Promise((resolve, reject) => {
      const waiter = {
        tokens,
        grant: (sequence: LlamaContextSequence) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(sequence);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(sequence: LlamaContextSequence): void {
    this.idle.push(sequence);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.grant(this.take(waiter.tokens));
  }

  private take(tokens: readonly Token[]): LlamaContextSequence {
    let best = 0;
    let bestShared = -1;
    this.idle.forEach((sequence, index) => {
      const shared = sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
      if (shared > bestShared) {
        best = index;
        bestShared = shared;
      }
    });
    const [sequence] = this.idle.splice(best, 1);
    if (sequence === undefined) throw new Error("SequencePool.take called with no idle sequence");
    return sequence;
  }
}
