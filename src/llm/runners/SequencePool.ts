import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";
import { settings } from "../../config/settings.js";
import { DomainError } from "../../errors/DomainError.js";
import { ContextLockBreak } from "./ContextLockBreak.js";
import type { DiskStateStore, VerifiedState } from "./DiskStateStore.js";
import type { EvictedStateCache } from "./EvictedStateCache.js";

/** Where recycled sequences' caches are kept: RAM first, then disk (which also keeps them across restarts). */
export interface StateCaches {
  ram?: EvictedStateCache | undefined;
  disk?: DiskStateStore | undefined;
}

interface Choice {
  sequence: LlamaContextSequence;
  /** Tokens its cache shares with the prompt. */
  shared: number;
}

/**
 * The context's sequences, each holding the KV cache of the chat that used it last. A request takes the idle
 * sequence whose cached tokens share the longest prefix with its prompt (a chat's follow-up turn finds its own
 * cache); among equals, the least recently used one, so the cache given up is the stalest. Requests wait
 * first come, first served, at most `maxQueue` of them; one more is refused with 503.
 */
export class SequencePool {
  /** Idle sequences, least recently used first. */
  private readonly idle: LlamaContextSequence[] = [];
  private readonly ids = new Map<LlamaContextSequence, number>();
  private readonly waiters: Array<{ tokens: readonly Token[]; grant: (choice: Choice) => void }> = [];

  constructor(
    context: LlamaContext,
    private readonly size: number,
    private readonly maxQueue: number,
    private readonly caches: StateCaches = {},
  ) {
    // A new context hands out llama.cpp's sequence ids in order: 0, 1, 2, …
    for (let id = 0; id < size; id++) {
      const sequence = context.getSequence();
      this.ids.set(sequence, id);
      this.idle.push(sequence);
    }
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Requests it holds at most: one per sequence, and the queue. */
  get capacity(): number {
    return this.size + this.maxQueue;
  }

  /** Generations wait here between tokens and prompt batches while a sequence is being recycled. */
  readonly lockBreak = new ContextLockBreak();

  /**
   * A sequence for the prompt, holding its longest cached prefix (`reused` tokens) and nothing after it. The
   * work that needs the context's lock (saving, loading, erasing) runs in a lock break, so that it does not
   * wait for other sequences' replies to end.
   */
  async acquire(tokens: readonly Token[], signal?: AbortSignal): Promise<{ sequence: LlamaContextSequence; reused: number }> {
    signal?.throwIfAborted();
    const choice = this.idle.length > 0 && this.waiters.length === 0 ? this.take(tokens) : await this.wait(tokens, signal);
    try {
      // Checked outside the lock break: hashing a state file there would pause every other reply as long.
      const fromDisk = await this.caches.disk?.verifiedBest(tokens, choice.shared);
      const reused = await this.lockBreak.run(async () => {
        await this.prepare(choice, tokens, fromDisk);
        return keepCachedPrefix(choice.sequence, tokens);
      });
      return { sequence: choice.sequence, reused };
    } catch (error) {
      this.release(choice.sequence);
      throw error;
    }
  }

  /** Idle sequences, least recently used first (their caches are saved to disk on shutdown). */
  get idleSequences(): readonly LlamaContextSequence[] {
    return this.idle;
  }

  /**
   * Before a sequence's cache is overwritten, keeps it in the RAM cache (or on disk without one); then loads a
   * saved cache that the prompt continues further than the sequence's own, from RAM, else the one from disk that
   * `verifiedBest` already checked.
   */
  private async prepare({ sequence, shared }: Choice, tokens: readonly Token[], fromDisk: VerifiedState | undefined): Promise<void> {
    const { ram, disk } = this.caches;
    if (ram?.enabled === true) await ram.save(sequence, shared);
    else await disk?.save(sequence, shared);
    let have = shared;
    if (ram?.enabled === true && (await ram.restoreBest(sequence, tokens, shared))) {
      have = sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
    }
    await disk?.restore(sequence, fromDisk, tokens, have);
  }

  private wait(tokens: readonly Token[], signal: AbortSignal | undefined): Promise<Choice> {
    if (this.waiters.length >= this.maxQueue) {
      throw new DomainError("queue_full", `The server is busy: ${this.maxQueue} requests are already waiting for the model (${settings.maxQueue.name}).`, {
        retryAfterSeconds: 2,
      });
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        tokens,
        grant: (choice: Choice) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(choice);
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

  /**
   * A sequence whose cache the prompt mostly continues (at least half of it shared: a chat's own, for a
   * follow-up) is taken, the one sharing most. Otherwise a new chat: an empty sequence is preferred over
   * recycling another chat's cache for a few shared tokens (e.g. a common system prompt), and among those that
   * share about as much (within `TIED_TOKENS`), the one that keeps the busy sequences' ids in the fewest runs:
   * llama.cpp decodes one run of consecutive ids per pass, so replies on sequences 0 and 2 cost two passes per
   * step where 0 and 1 cost one (`passes`). Ties go to the least recently used.
   */
  private take(tokens: readonly Token[]): Choice {
    const scored = this.idle.map((sequence, index) => {
      const shared = sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
      return { index, shared, continues: shared * 2 >= sequence.nextTokenIndex, empty: sequence.nextTokenIndex === 0, id: this.ids.get(sequence) ?? 0 };
    });
    // Strictly greater / fewer: on a tie the earlier (less recently used) sequence wins.
    const continued = scored.filter((entry) => entry.continues && !entry.empty);
    const best =
      continued.length > 0 ? continued.reduce((a, b) => (b.shared > a.shared ? b : a)) : this.forNewChat(scored);
    const [sequence] = this.idle.splice(best.index, 1);
    if (sequence === undefined) throw new Error("SequencePool.take called with no idle sequence");
    return { sequence, shared: best.shared };
  }

  private forNewChat<T extends { shared: number; empty: boolean; id: number }>(scored: readonly T[]): T {
    const candidates = scored.some((entry) => entry.empty) ? scored.filter((entry) => entry.empty) : scored;
    const most = Math.max(...candidates.map((entry) => entry.shared));
    const idle = new Set(scored.map((entry) => entry.id));
    const busy = [...this.ids.values()].filter((id) => !idle.has(id));
    return candidates
      .filter((entry) => most - entry.shared <= TIED_TOKENS)
      .map((entry) => ({ entry, passes: passes([...busy, entry.id]) }))
      .reduce((a, b) => (b.passes < a.passes ? b : a)).entry;
  }
}

/**
 * A prompt this much shorter in common with one cache than with another still counts as a tie (a template's
 * opening tokens, words in common by chance): evaluating 32 tokens again costs less than a second pass for
 * each of the reply's tokens.
 */
const TIED_TOKENS = 32;

/** Decoding passes a step of replies on these sequence ids takes: one per run of consecutive ids. */
export function passes(ids: readonly number[]): number {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  return sorted.filter((id, index) => index === 0 || id !== sorted[index - 1]! + 1).length;
}

/**
 * Keeps the cached prefix the prompt shares with the sequence and erases the rest; returns its length. At least
 * the last prompt token is evaluated again, since its logits are what the first reply token is sampled from.
 */
async function keepCachedPrefix(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<number> {
  const reused = Math.min(sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex, tokens.length - 1);
  if (sequence.nextTokenIndex > reused) {
    await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
  }
  return reused;
}
