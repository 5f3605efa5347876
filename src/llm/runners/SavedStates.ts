import type { Token } from "node-llama-cpp";
import { longestSharedPrefix, sharedPrefix, startsWith } from "./tokenPrefix.js";

/** Restoring costs a file read: below this many shared tokens, evaluating them again is as cheap. */
const MIN_USEFUL_TOKENS = 64;

/** Whether a cache of `length` tokens, of which `keep` stay where they are, loses enough to be worth saving. */
export function worthSaving(length: number, keep: number): boolean {
  return length - keep >= MIN_USEFUL_TOKENS;
}

/** Whether loading `state` for `tokens` gains enough over the `alreadyShared` tokens the sequence holds. */
export function worthLoading(state: SavedState, tokens: readonly Token[], alreadyShared: number): boolean {
  return sharedPrefix(state.tokens, tokens) >= alreadyShared + MIN_USEFUL_TOKENS;
}

/** A saved KV state: the tokens it holds and its size. */
export interface SavedState {
  readonly tokens: readonly Token[];
  readonly bytes: number;
}

/**
 * The bookkeeping the RAM cache and the disk store share: states least recently saved first, a state that
 * another one holds or extends is redundant, and the oldest go first past a byte budget. It only keeps the
 * list; each store removes the files of what it takes out.
 */
export class SavedStates<T extends SavedState> {
  private readonly states: T[] = [];
  private total = 0;

  get size(): number {
    return this.states.length;
  }

  /** Least recently saved first. */
  get all(): readonly T[] {
    return this.states;
  }

  /** Whether a saved state already holds these tokens (it is them, or it extends them). */
  holds(tokens: readonly Token[]): boolean {
    return this.states.some((state) => state.tokens.length >= tokens.length && startsWith(state.tokens, tokens));
  }

  /** Adds the newest state; takes out and returns the older ones it extends, now redundant. */
  add(state: T): T[] {
    const redundant = this.states.filter((older) => older.tokens.length < state.tokens.length && startsWith(state.tokens, older.tokens));
    for (const older of redundant) this.take(older);
    this.states.push(state);
    this.total += state.bytes;
    return redundant;
  }

  /** Takes out and returns the least recently saved states until the rest fit in `budgetBytes`. */
  overBudget(budgetBytes: number): T[] {
    const out: T[] = [];
    while (this.total > budgetBytes && this.states.length > 0) {
      const oldest = this.states[0]!;
      this.take(oldest);
      out.push(oldest);
    }
    return out;
  }

  /** Takes a state out; false when it was not (or no longer) there. */
  take(state: T): boolean {
    const index = this.states.indexOf(state);
    if (index === -1) return false;
    this.states.splice(index, 1);
    this.total -= state.bytes;
    return true;
  }

  /** The state that shares the longest prefix with `tokens`, when it shares more than `moreThan` tokens. */
  best(tokens: readonly Token[], moreThan: number): T | undefined {
    return longestSharedPrefix(this.states, tokens, moreThan);
  }

  /** The state sharing the longest prefix with `tokens`, when loading it is worth it (`worthLoading`). */
  bestToLoad(tokens: readonly Token[], alreadyShared: number): T | undefined {
    return this.best(tokens, alreadyShared + MIN_USEFUL_TOKENS - 1);
  }
}
