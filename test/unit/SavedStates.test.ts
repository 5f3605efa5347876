import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { SavedStates } from "../../src/llm/runners/SavedStates.js";

const state = (name: string, tokens: number[], bytes = 10) => ({ name, tokens: tokens as Token[], bytes });

describe("SavedStates: the saved KV states' bookkeeping", () => {
  it("knows what a saved state already holds: itself and any prefix of it", () => {
    const states = new SavedStates<ReturnType<typeof state>>();
    states.add(state("a", [1, 2, 3, 4]));
    expect(states.holds([1, 2, 3, 4] as Token[])).toBe(true);
    expect(states.holds([1, 2] as Token[])).toBe(true);
    expect(states.holds([1, 2, 3, 4, 5] as Token[])).toBe(false);
    expect(states.holds([1, 9] as Token[])).toBe(false);
  });

  it("takes out the older states a new one extends, and only those", () => {
    const states = new SavedStates<ReturnType<typeof state>>();
    const short = state("short", [1, 2]);
    const other = state("other", [1, 7, 7]);
    states.add(short);
    states.add(other);
    expect(states.add(state("long", [1, 2, 3])).map((s) => s.name)).toEqual(["short"]);
    expect(states.all.map((s) => s.name)).toEqual(["other", "long"]);
  });

  it("past the budget, takes out the least recently saved first", () => {
    const states = new SavedStates<ReturnType<typeof state>>();
    for (const [index, name] of ["a", "b", "c"].entries()) states.add(state(name, [index + 1], 40));
    expect(states.overBudget(100).map((s) => s.name)).toEqual(["a"]);
    expect(states.overBudget(100)).toEqual([]);
    expect(states.overBudget(0).map((s) => s.name)).toEqual(["b", "c"]);
    expect(states.size).toBe(0);
  });

  it("finds the state sharing the longest prefix beyond a minimum, and takes a state out once", () => {
    const states = new SavedStates<ReturnType<typeof state>>();
    const two = state("two", [1, 2, 8]);
    states.add(two);
    states.add(state("three", [1, 2, 3, 9]));
    expect(states.best([1, 2, 3, 4] as Token[], 0)?.name).toBe("three");
    expect(states.best([1, 2, 3, 4] as Token[], 3)).toBeUndefined();
    expect(states.take(two)).toBe(true);
    expect(states.take(two)).toBe(false);
    expect(states.all.map((s) => s.name)).toEqual(["three"]);
  });
});
