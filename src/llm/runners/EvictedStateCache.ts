import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { removeStaleStateDirs, stateDirPrefix } from "./removeStaleStateDirs.js";
import { longestSharedPrefix, startsWith } from "./tokenPrefix.js";

interface SavedState {
  file: string;
  tokens: Token[];
  bytes: number;
}

/** Restoring costs a file read: below this many shared tokens, evaluating them again is as cheap. */
export const MIN_USEFUL_TOKENS = 64;

/** Where a state goes when it leaves this cache for lack of room (the disk store), given its file and tokens. */
export type SpillState = (file: string, tokens: readonly Token[]) => Promise<void>;

/**
 * KV caches of recycled sequences, kept in RAM-backed files (/dev/shm where it exists) up to a byte budget, least
 * recently used dropped first. When a chat comes back after its sequence went to another chat, its cache is
 * loaded back instead of its whole history being evaluated again: llama-server's prompt RAM cache, here.
 * The saved tokens are only ever compared with a prompt built from the stored session, never trusted.
 * A state dropped for room is handed to `spill` first (the disk store), and so is every state on `spillAll()`.
 */
export class EvictedStateCache {
  /** Least recently used first. */
  private readonly states: SavedState[] = [];
  private bytes = 0;
  private readonly dir: string;
  private counter = 0;

  private readonly budgetBytes: number;

  /** Spills still being written; `spillAll` and `dispose` wait for them. */
  private readonly spilling = new Set<Promise<void>>();

  /** `budgetBytes` is capped at half the free space where the files go (a container's /dev/shm can be small). */
  constructor(
    budgetBytes: number,
    private readonly spill?: SpillState,
  ) {
    const ram = "/dev/shm";
    const base = fs.existsSync(ram) ? ram : os.tmpdir();
    // A process killed before its dispose() leaves its directory behind, in RAM: the next start removes it.
    removeStaleStateDirs(base);
    this.dir = fs.mkdtempSync(path.join(base, stateDirPrefix(process.pid)));
    const { bavail, bsize } = fs.statfsSync(this.dir);
    this.budgetBytes = Math.min(budgetBytes, Math.floor((bavail * bsize) / 2));
  }

  get enabled(): boolean {
    return this.budgetBytes > 0;
  }

  /**
   * Saves a sequence's cache before it is overwritten from token `keep` on, when what would be lost is worth
   * keeping (a chat's own follow-up turn loses nothing and saves nothing).
   */
  async save(sequence: LlamaContextSequence, keep: number): Promise<void> {
    if (!this.enabled || sequence.nextTokenIndex - keep < MIN_USEFUL_TOKENS) return;
    const tokens = sequence.contextTokens.slice();
    // A cache that another saved one already holds (or extends) adds nothing.
    if (this.states.some((state) => state.tokens.length >= tokens.length && startsWith(state.tokens, tokens))) return;
    const file = path.join(this.dir, `${this.counter++}.kv`);
    let fileSize: number;
    try {
      ({ fileSize } = await sequence.saveStateToFile(file));
    } catch {
      // Out of space or a backend that cannot save: the chat is simply evaluated again when it comes back.
      fs.rmSync(file, { force: true });
      return;
    }
    this.states.push({ file, tokens, bytes: fileSize });
    this.bytes += fileSize;
    // Older states that this one extends are now redundant.
    for (const state of this.states.slice(0, -1)) {
      if (state.tokens.length < tokens.length && startsWith(tokens, state.tokens)) this.drop(state);
    }
    while (this.bytes > this.budgetBytes && this.states.length > 0) this.evict(this.states[0]!);
  }

  /**
   * Loads the saved cache that shares the longest prefix with `tokens` into the sequence, when it shares at
   * least `MIN_USEFUL_TOKENS` more than the sequence already does. Returns whether it did.
   */
  async restoreBest(sequence: LlamaContextSequence, tokens: readonly Token[], alreadyShared: number): Promise<boolean> {
    const best = longestSharedPrefix(this.states, tokens, alreadyShared + MIN_USEFUL_TOKENS - 1);
    if (best === undefined) return false;
    await sequence.loadStateFromFile(best.file, { acceptRisk: true });
    // Resident again: saved anew (with whatever it gains) when its sequence is next recycled.
    this.drop(best);
    return true;
  }

  /** Hands every state to `spill`, least recently used first (shutdown), and waits until they are written. */
  async spillAll(): Promise<void> {
    for (const state of this.states.slice()) this.evict(state);
    await Promise.all(this.spilling);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.spilling);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Drops a state for room: to `spill` first, in the background, so that the request that needs the room does not wait for a disk. */
  private evict(state: SavedState): void {
    const spill = this.spill;
    if (spill === undefined) return this.drop(state);
    const index = this.states.indexOf(state);
    if (index === -1) return;
    this.states.splice(index, 1);
    this.bytes -= state.bytes;
    const done = spill(state.file, state.tokens)
      .catch(() => undefined)
      .finally(() => {
        fs.rmSync(state.file, { force: true });
        this.spilling.delete(done);
      });
    this.spilling.add(done);
  }

  private drop(state: SavedState): void {
    const index = this.states.indexOf(state);
    if (index === -1) return;
    this.states.splice(index, 1);
    this.bytes -= state.bytes;
    fs.rmSync(state.file, { force: true });
  }
}
