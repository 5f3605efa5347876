// patches/node-llama-cpp+3.21.1.patch: node-llama-cpp adds a batch's sequences in ascending id order, the
// order in which llama.cpp's split KV cache decodes them in one pass. Looks inside node-llama-cpp (its addon
// context) to see the order; the server never does.
import { getLlama, type LlamaContext, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_MODEL_PATH } from "../support/paths.js";

let model: LlamaModel;
let context: LlamaContext;

beforeAll(async () => {
  const llama = await getLlama({ gpu: false, build: "never", skipDownload: true });
  model = await llama.loadModel({ modelPath: TEST_MODEL_PATH });
  context = await model.createContext({ contextSize: 256, sequences: 4, threads: 1 });
});

afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
});

/** The sequence ids of each batch node-llama-cpp hands to llama.cpp, in the order it adds them. */
function recordBatches(): number[][] {
  const batches: number[][] = [];
  const inner = context as unknown as { _ctx: Record<string, (...args: unknown[]) => unknown> };
  const addon = inner._ctx;
  inner._ctx = new Proxy(addon, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      if (property === "initBatch") return (...args: unknown[]) => (batches.push([]), value.apply(target, args));
      if (property === "addToBatch") return (...args: unknown[]) => (batches.at(-1)!.push(args[0] as number), value.apply(target, args));
      return value.bind(target);
    },
  });
  return batches;
}

describe("node-llama-cpp, as patched: one batch, sequences in ascending id order", () => {
  it("adds sequences queued as 3, 1, 0, 2 to one batch as 0, 1, 2, 3", async () => {
    const sequences = [0, 1, 2, 3].map(() => context.getSequence());
    const batches = recordBatches();
    const prompt = model.tokenize("hello there, how are you") as Token[];
    // Queued in one tick, so that node-llama-cpp takes them into a single batch.
    await Promise.all([3, 1, 0, 2].map((index) => sequences[index]!.evaluateWithoutGeneratingNewTokens(prompt)));
    expect(batches).toEqual([[0, 1, 2, 3]]);

    // And each step of four replies after that: one batch, in order, whatever order the replies asked in.
    batches.length = 0;
    const replies = [2, 0, 3, 1].map((index) => sequences[index]!.evaluate([model.tokenize(" next")[0]!], { temperature: 0 })[Symbol.asyncIterator]());
    for (let step = 0; step < 3; step++) await Promise.all(replies.map((reply) => reply.next()));
    await Promise.all(replies.map((reply) => reply.return?.()));
    expect(batches.length).toBe(3);
    for (const batch of batches) expect(batch).toEqual([0, 1, 2, 3]);
  });
});
