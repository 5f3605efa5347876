import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import type { DiskStateStore } from "../../src/llm/runners/DiskStateStore.js";
import { passes, SequencePool } from "../../src/llm/runners/SequencePool.js";

/** A sequence holding `tokens` in its cache: what the pool looks at when it chooses one. */
class CachedSequence {
  constructor(
    readonly id: number,
    public tokens: Token[],
  ) {}

  get nextTokenIndex(): number {
    return this.tokens.length;
  }

  compareContextTokens(prompt: Token[]): { firstDifferentIndex: number } {
    let index = 0;
    while (index < this.tokens.length && index < prompt.length && this.tokens[index] === prompt[index]) index++;
    return { firstDifferentIndex: index };
  }

  async eraseContextTokenRanges(ranges: Array<{ start: number; end: number }>): Promise<void> {
    for (const { start } of ranges) this.tokens = this.tokens.slice(0, start);
  }
}

/** Four sequences, each holding another old chat: 2 template tokens in common, then its own. */
function poolOfOldChats(): { pool: SequencePool; sequences: CachedSequence[] } {
  const sequences = [0, 1, 2, 3].map((id) => new CachedSequence(id, [1, 2, ...Array.from({ length: 40 }, (_, i) => 1000 * (id + 1) + i)] as Token[]));
  let next = 0;
  const context = { getSequence: () => sequences[next++] } as unknown as LlamaContext;
  return { pool: new SequencePool(context, 4, 8), sequences };
}

const newChat = (seed: number) => [1, 2, ...Array.from({ length: 30 }, (_, i) => 50_000 + 100 * seed + i)] as Token[];
const idOf = (sequence: LlamaContextSequence) => (sequence as unknown as CachedSequence).id;

/** Takes a sequence for the prompt and evaluates it there, as a generation does. */
async function use(pool: SequencePool, prompt: Token[]): Promise<{ sequence: LlamaContextSequence; reused: number }> {
  const taken = await pool.acquire(prompt);
  (taken.sequence as unknown as CachedSequence).tokens = prompt;
  return taken;
}

describe("SequencePool: which sequence a request gets", () => {
  it("counts one decoding pass per run of consecutive sequence ids", () => {
    expect(passes([])).toBe(0);
    expect(passes([2])).toBe(1);
    expect(passes([3, 0, 1, 2])).toBe(1);
    expect(passes([0, 2])).toBe(2);
    expect(passes([0, 1, 3])).toBe(2);
    expect(passes([3, 1])).toBe(2);
  });

  it("gives a new chat the sequence next to the busy ones, not the least recently used one across a gap", async () => {
    const { pool } = poolOfOldChats();
    const first = await use(pool, newChat(1));
    const second = await use(pool, newChat(2));
    const third = await use(pool, newChat(3));
    expect([first, second, third].map(({ sequence }) => idOf(sequence))).toEqual([0, 1, 2]);
    pool.release(first.sequence);
    pool.release(third.sequence);
    // Idle, least recently used first: 3, 0, 2; busy: 1. Sequence 3 would leave 1 and 3 apart.
    const fourth = await use(pool, newChat(4));
    expect([0, 2]).toContain(idOf(fourth.sequence));
    expect(fourth.reused).toBe(2);
  });

  it("still gives a returning chat its own cache, wherever that sequence is", async () => {
    const { pool, sequences } = poolOfOldChats();
    const busy = await use(pool, newChat(1));
    expect(idOf(busy.sequence)).toBe(0);
    // The chat whose cache sequence 3 holds comes back with one more message.
    const returning = await use(pool, [...sequences[3]!.tokens, 7, 8, 9] as Token[]);
    expect(idOf(returning.sequence)).toBe(3);
    expect(returning.reused).toBe(42);
  });

  it("gives a short chat's follow-up its own cache over an empty sequence (fewer shared tokens than the tie)", async () => {
    const sequences = [0, 1, 2, 3].map((id) => new CachedSequence(id, []));
    let next = 0;
    const pool = new SequencePool({ getSequence: () => sequences[next++] } as unknown as LlamaContext, 4, 8);
    const first = await use(pool, [1, 2, 3, 4, 5, 6] as Token[]);
    pool.release(first.sequence);
    // Idle, least recently used first: the three empty ones, then the chat's own, sharing 6 tokens.
    const followUp = await use(pool, [1, 2, 3, 4, 5, 6, 7, 8] as Token[]);
    expect(idOf(followUp.sequence)).toBe(idOf(first.sequence));
    expect(followUp.reused).toBe(6);
  });

  it("keeps a much longer shared prefix (a long common system prompt) rather than the ids together", async () => {
    const { pool, sequences } = poolOfOldChats();
    sequences[3]!.tokens = [1, 2, ...Array.from({ length: 98 }, (_, i) => 7000 + i)] as Token[];
    const busy = await use(pool, newChat(1));
    expect(idOf(busy.sequence)).toBe(0);
    // Neither new chat continues sequence 3's 100 cached tokens (less than half shared). 20 shared is within
    // the tie of the others' 2: the sequence next to 0 is taken. 40 shared is not: sequence 3 is.
    const near = await use(pool, [...sequences[3]!.tokens.slice(0, 20), 9, 9] as Token[]);
    expect(idOf(near.sequence)).toBe(1);
    expect(near.reused).toBe(2);
    const far = await use(pool, [...sequences[3]!.tokens.slice(0, 40), 9, 9] as Token[]);
    expect(idOf(far.sequence)).toBe(3);
    expect(far.reused).toBe(40);
  });

  it("checks a disk state's file before the lock break (replies go on meanwhile) and loads it inside", async () => {
    const sequences = [0, 1, 2, 3].map((id) => new CachedSequence(id, []));
    let next = 0;
    let pool!: SequencePool;
    /** Whether a generation asking for its next token now would have to wait for the lock break. */
    const repliesPaused = async () => {
      let passed = false;
      void pool.lockBreak.between().then(() => (passed = true));
      await new Promise((resolve) => setImmediate(resolve));
      return !passed;
    };
    const seen: Record<string, boolean> = {};
    const disk = {
      save: async () => undefined,
      verifiedBest: async () => ((seen["checking"] = await repliesPaused()), undefined),
      restore: async () => ((seen["loading"] = await repliesPaused()), false),
    };
    pool = new SequencePool({ getSequence: () => sequences[next++] } as unknown as LlamaContext, 4, 8, { disk: disk as unknown as DiskStateStore });
    await use(pool, newChat(1));
    expect(seen).toEqual({ checking: false, loading: true });
  });
});
