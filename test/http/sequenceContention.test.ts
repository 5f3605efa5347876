import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRawPrompt } from "../../src/llm/buildRawPrompt.js";
import type { GenerationResult } from "../../src/llm/Runner.js";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { loadTestRunner } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner({ LLAMA_PARALLEL: "3", LLAMA_CONTEXT_SIZE: "8192" });
});
afterAll(() => runner.dispose());

const text = (topic: string) => `Let us talk at length about ${topic}, its history, its people and its places. `.repeat(6);

/** Starts a reply and reads it to its end; `started` resolves at its first chunk. */
function reply(topic: string, maxTokens: number, signal?: AbortSignal) {
  const prompt = buildRawPrompt(runner, text(topic), maxTokens).prompt;
  const generation = runner.generate(prompt, { maxTokens, temperature: 0, ignoreEos: true, ...(signal === undefined ? {} : { signal }) });
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = (async (): Promise<GenerationResult> => {
    for await (const _ of generation) markStarted();
    return generation.result;
  })();
  return { started, done };
}

describe("a new request while other sequences generate", () => {
  // node-llama-cpp's batch loop holds the context lock for as long as any sequence has a decode queued, and with
  // two sequences generating one always has: recycling a sequence (saving its cache, erasing its tokens) then
  // waited for every other reply to end. A request that recycles must not wait for another to finish.
  it("recycles a sequence and finishes while two long replies are still generating", async () => {
    // Every sequence holds another chat's cache, so the new request has to recycle one.
    for (const topic of ["the sea", "the hills", "the towns"]) await reply(topic, 4).done;
    const stop = new AbortController();
    const long = [reply("rivers", 3000, stop.signal), reply("forests", 3000, stop.signal)];
    await Promise.all(long.map((item) => item.started));

    const fresh = await reply("a new chat about deserts", 4).done;
    stop.abort();
    const results = await Promise.all(long.map((item) => item.done));
    expect(fresh.finishReason).toBe("length");
    // Still running when the new one had finished: stopped by the abort, not by their length.
    expect(results.map((result) => result.finishReason)).toEqual(["abort", "abort"]);
  });
});
