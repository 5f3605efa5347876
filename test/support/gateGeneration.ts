// Preloaded (`node --import`) into the replicas of the scale tests: a generation asked for exactly
// GATED_MAX_TOKENS tokens pauses after its first chunk (which the client gets) until the process receives
// SIGUSR2 or the request's signal aborts, as GatedRunner does in-process. The replica holds the chat (and
// renews its lease) for as long as the test needs, so that "mid-reply" never depends on timing.
// node-llama-cpp's binary test child inherits this preload (see holdModelLoad.ts) and is left alone.
import type { GenerateOptions, Generation } from "../../src/llm/Runner.js";
import type { Prompt } from "../../src/llm/Prompt.js";
import type { NodeLlamaCppRunner as Runner } from "../../src/llm/runners/NodeLlamaCppRunner.js";

export const GATED_MAX_TOKENS = 3333;

if (process.argv[1]?.includes("testBindingBinary") !== true) {
  const { NodeLlamaCppRunner } = await import("../../src/llm/runners/NodeLlamaCppRunner.js");
  const original = NodeLlamaCppRunner.prototype.generate;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  process.on("SIGUSR2", () => open());

  NodeLlamaCppRunner.prototype.generate = function (this: Runner, prompt: Prompt, options: GenerateOptions): Generation {
    if (options.maxTokens !== GATED_MAX_TOKENS) return original.call(this, prompt, options);
    const inner = original.call(this, prompt, { ...options, ignoreEos: true });
    const aborted = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
    return {
      result: inner.result,
      async *[Symbol.asyncIterator]() {
        let first = true;
        for await (const chunk of inner) {
          yield chunk;
          if (first) await Promise.race([gate, aborted]);
          first = false;
        }
      },
    };
  };
}
