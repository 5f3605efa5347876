import { describe, expect, it } from "vitest";
import { StopStringMatcher } from "../../src/llm/StopStringMatcher.js";

function run(stops: string[], chunks: string[]) {
  const matcher = new StopStringMatcher(stops);
  let out = "";
  for (const chunk of chunks) {
    const { emit, stopped } = matcher.push(chunk);
    out += emit;
    if (stopped) return { out, stopped: true };
  }
  return { out: out + matcher.flush(), stopped: false };
}

describe("StopStringMatcher", () => {
  it("passes text straight through without stop strings", () => {
    expect(run([], ["a", "b"])).toEqual({ out: "ab", stopped: false });
  });
  it("cuts before a stop string split across chunks", () => {
    expect(run(["END"], ["hello E", "N", "D more"])).toEqual({ out: "hello ", stopped: true });
  });
  it("releases held-back text that turned out not to be a stop string", () => {
    expect(run(["END"], ["hello E", "N", "x"])).toEqual({ out: "hello ENx", stopped: false });
  });
  it("stops at the earliest of several stop strings", () => {
    expect(run(["zz", "b"], ["aazzb"])).toEqual({ out: "aa", stopped: true });
  });
});
