import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { removeStaleStateDirs, stateDirPrefix } from "./removeStaleStateDirs.js";
import { SavedStates, worthSaving } from "./SavedStates.js";

interface RamState {
  file: string;
  tokens: Token[];
  bytes: number;
}

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
  private readonly states = new SavedStates<RamState>();
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
    if (!this.enabled || !worthSaving(sequence.nextTokenIndex, keep)) return;
    const tokens = sequence.contextTokens.slice();
    // A cache that another saved one already holds (or extends) adds nothing.
    if (this.states.holds(tokens)) return;
    const file = path.join(this.dir, `${this.counter++}.kv`);
    let fileSize: number;
    try {
      ({ fileSize } = await sequence.saveStateToFile(file));
    } catch {
      // Out of space or a backend that cannot save: the chat is simply evaluated again when it comes back.
      fs.rmSync(file, { force: true });
      return;
    }
    for (const redundant of this.states.add({ file, tokens, bytes: fileSize })) fs.rmSync(redundant.file, { force: true });
    for (const oldest of this.states.overBudget(this.budgetBytes)) this.spillOut(oldest);
  }

  /**
   * Loads the saved cache that shares the longest prefix with `tokens` into the sequence, when it shares at
   * least 64 more than the sequence already does (`SavedStates.bestToLoad`). Returns whether it did.
   */
  async restoreBest(sequence: LlamaContextSequence, tokens: readonly Token[], alreadyShared: number): Promise<boolean> {
    const best = this.states.bestToLoad(tokens, alreadyShared);
    if (best === undefined) return false;
    await sequence.loadStateFromFile(best.file, { acceptRisk: true });
    // Resident again: saved anew (with whatever it gains) when its sequence is next recycled.
    if (this.states.take(best)) fs.rmSync(best.file, { force: true });
    return true;
  }

  /** Hands every state to `spill`, least recently used first (shutdown), and waits until they are written. */
  async spillAll(): Promise<void> {
    for (const state of [...this.states.all]) {
      this.states.take(state);
      this.spillOut(state);
    }
    await Promise.all(this.spilling);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.spilling);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A state taken out for room goes to `spill` first, in the background, so that the request that needs the room does not wait for a disk. */
  private spillOut(state: RamState): void {
    const spill = this.spill;
    if (spill === undefined) return fs.rmSync(state.file, { force: true });
    const done = spill(state.file, state.tokens)
      .catch(() => undefined)
      .finally(() => {
        fs.rmSync(state.file, { force: true });
        this.spilling.delete(done);
      });
    this.spilling.add(done);
  }
}
