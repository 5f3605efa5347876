import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { readStateSidecar, type StateSidecar } from "./StateSidecar.js";
import { SavedStates, worthLoading, worthSaving } from "./SavedStates.js";
import { startsWith } from "./tokenPrefix.js";

export interface DiskStateStoreOptions {
  /** Where the state files live (`<data dir>/kv-cache`); created when missing. */
  dir: string;
  /** Bytes of state files kept at most, least recently saved dropped first; 0 turns the store off. */
  budgetBytes: number;
  /** The served model's fingerprint: only states saved with the same one are ever loaded. */
  fingerprint: string;
  /** A file that was found damaged or foreign, and removed. */
  warn: (message: string) => void;
}

interface Entry {
  id: string;
  tokens: Token[];
  bytes: number;
  sha256: string;
}

/** A saved state whose file matched its checksum (`verifiedBest`), to be loaded by `restore`. */
export type VerifiedState = Readonly<Entry>;

const KV = ".kv";
const SIDECAR = ".json";
const PARTIAL = ".tmp";

/**
 * Chats' KV caches on disk, so that they stay warm across restarts: each a node-llama-cpp state file
 * (`<id>.kv`) and a sidecar (`<id>.json`) with the model fingerprint, the token ids the state holds and the
 * file's SHA-256. Both are written under a temporary name and renamed, the sidecar last: a state without its
 * sidecar is a write that was cut, and is removed. node-llama-cpp's `loadStateFromFile` trusts its file
 * (`acceptRisk`), so a state is loaded only when its fingerprint, its tokens and its checksum all match; any
 * other file is removed with a warning, never loaded.
 */
export class DiskStateStore {
  private readonly entries = new SavedStates<Entry>();
  /** States written whose checksum and sidecar are still being made. */
  private readonly finishing = new Set<Promise<void>>();

  private constructor(private readonly options: DiskStateStoreOptions) {}

  /** Reads the sidecars already in `dir` (a previous run's states), dropping what does not qualify. */
  static async open(options: DiskStateStoreOptions): Promise<DiskStateStore> {
    const store = new DiskStateStore(options);
    if (store.enabled) await store.scan();
    return store;
  }

  get enabled(): boolean {
    return this.options.budgetBytes > 0;
  }

  /** States held, least recently saved first (tests and the shutdown log). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Saves a sequence's cache, unless what it holds past `keep` is too little or already saved. Resolves once
   * the state is written (all that needs the context); its checksum and sidecar follow (`settled`).
   */
  async save(sequence: LlamaContextSequence, keep = 0): Promise<void> {
    if (!this.enabled || !worthSaving(sequence.nextTokenIndex, keep)) return;
    const tokens = sequence.contextTokens.slice();
    await this.commit(tokens, (file) => sequence.saveStateToFile(file));
  }

  /** Takes a copy of a state file another cache wrote for `tokens` (the RAM cache, dropping it). */
  async adopt(file: string, tokens: readonly Token[]): Promise<void> {
    if (!this.enabled) return;
    await this.commit(tokens.slice(), (target) => fs.copyFile(file, target));
  }

  /** Waits until every state written so far has its checksum and sidecar (shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.finishing);
  }

  /**
   * The saved state worth loading for `tokens` (`SavedStates.bestToLoad`),
   * its file checked against its checksum. Called before the lock break, so that hashing tens of megabytes does not
   * pause every other reply: only `restore` needs the context. A damaged file is removed with a warning.
   */
  async verifiedBest(tokens: readonly Token[], alreadyShared: number): Promise<VerifiedState | undefined> {
    if (!this.enabled) return undefined;
    const best = this.entries.bestToLoad(tokens, alreadyShared);
    if (best === undefined) return undefined;
    const file = this.file(best.id, KV);
    try {
      const { sha256, bytes } = await hashFile(file);
      if (sha256 === best.sha256 && bytes === best.bytes) return best;
      this.options.warn(`KV state ${path.basename(file)} does not match its checksum (corrupt or truncated): removed, not loaded`);
    } catch (error) {
      this.options.warn(`KV state ${path.basename(file)} could not be read (${(error as Error).message}): removed`);
    }
    await this.remove(best);
    return undefined;
  }

  /**
   * Loads a state `verifiedBest` found, unless another request took it meanwhile or the sequence now shares as
   * much (from the RAM cache). Loaded or failed, it leaves the disk: loaded, it is resident again. Returns whether
   * it loaded. The file was checked moments ago, and this store alone writes the directory.
   */
  async restore(sequence: LlamaContextSequence, state: VerifiedState | undefined, tokens: readonly Token[], alreadyShared: number): Promise<boolean> {
    if (state === undefined || !this.entries.all.includes(state)) return false;
    if (!worthLoading(state, tokens, alreadyShared)) return false;
    const file = this.file(state.id, KV);
    try {
      await sequence.loadStateFromFile(file, { acceptRisk: true });
      if (sequence.contextTokens.length !== state.tokens.length || !startsWith(sequence.contextTokens, state.tokens)) {
        this.options.warn(`KV state ${path.basename(file)} held other tokens than its sidecar says: removed`);
        await sequence.clearHistory();
        return false;
      }
      return true;
    } catch (error) {
      this.options.warn(`KV state ${path.basename(file)} could not be loaded (${(error as Error).message}): removed`);
      return false;
    } finally {
      await this.remove(state);
    }
  }

  /**
   * Writes the state (awaited: a sequence's save needs the context's lock), then finishes it in the background:
   * hashing tens of megabytes inside a lock break would pause every other reply for as long.
   */
  private async commit(tokens: Token[], write: (file: string) => Promise<unknown>): Promise<void> {
    // A state that another one already holds (or extends) adds nothing.
    if (this.entries.holds(tokens)) return;
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
    const kv = this.file(id, KV);
    try {
      await write(kv + PARTIAL);
    } catch {
      // Out of space or a backend that cannot save: the chat is simply evaluated again when it comes back.
      await fs.rm(kv + PARTIAL, { force: true });
      return;
    }
    const finishing: Promise<void> = this.finish(id, tokens)
      .catch(() => undefined)
      .finally(() => this.finishing.delete(finishing));
    this.finishing.add(finishing);
  }

  /** Checksum, rename, sidecar last; then the states this one makes redundant and the budget. */
  private async finish(id: string, tokens: Token[]): Promise<void> {
    const kv = this.file(id, KV);
    const sidecar = this.file(id, SIDECAR);
    let entry: Entry;
    try {
      const { sha256, bytes } = await hashFile(kv + PARTIAL);
      await fs.rename(kv + PARTIAL, kv);
      const content: StateSidecar = { version: 1, fingerprint: this.options.fingerprint, tokens, sha256, bytes };
      await fs.writeFile(sidecar + PARTIAL, JSON.stringify(content));
      await fs.rename(sidecar + PARTIAL, sidecar);
      entry = { id, tokens, bytes, sha256 };
    } catch {
      // Out of space or a backend that cannot save: the chat is simply evaluated again when it comes back.
      await Promise.all([kv + PARTIAL, kv, sidecar + PARTIAL].map((file) => fs.rm(file, { force: true })));
      return;
    }
    await this.keep([entry]);
  }

  private async scan(): Promise<void> {
    await fs.mkdir(this.options.dir, { recursive: true });
    const names = await fs.readdir(this.options.dir);
    const found: Array<Entry & { savedAt: number }> = [];
    for (const name of names) {
      const full = path.join(this.options.dir, name);
      if (name.endsWith(PARTIAL) || (name.endsWith(KV) && !names.includes(name.slice(0, -KV.length) + SIDECAR))) {
        await fs.rm(full, { force: true }); // a write that was cut
        continue;
      }
      if (!name.endsWith(SIDECAR)) continue;
      const id = name.slice(0, -SIDECAR.length);
      const read = await readStateSidecar(full, this.file(id, KV), this.options.fingerprint);
      if ("problem" in read) {
        this.options.warn(`KV state ${id}${KV} ignored and removed: ${read.problem}`);
        await this.removeFiles(id);
        continue;
      }
      found.push({ id, tokens: read.sidecar.tokens as Token[], bytes: read.sidecar.bytes, sha256: read.sidecar.sha256, savedAt: read.savedAt });
    }
    await this.keep(found.sort((a, b) => a.savedAt - b.savedAt).map(({ savedAt: _, ...entry }) => entry));
  }

  /** Adds states, newest last; removes the files of those they make redundant and of the oldest past the budget. */
  private async keep(added: readonly Entry[]): Promise<void> {
    const out = added.flatMap((entry) => this.entries.add(entry));
    out.push(...this.entries.overBudget(this.options.budgetBytes));
    for (const entry of out) await this.removeFiles(entry.id);
  }

  private async remove(entry: Entry): Promise<void> {
    if (this.entries.take(entry)) await this.removeFiles(entry.id);
  }

  /** The sidecar first: a state without one is never read, even if removing the state itself fails. */
  private async removeFiles(id: string): Promise<void> {
    await fs.rm(this.file(id, SIDECAR), { force: true });
    await fs.rm(this.file(id, KV), { force: true });
  }

  private file(id: string, extension: string): string {
    return path.join(this.options.dir, `${id}${extension}`);
  }
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}
