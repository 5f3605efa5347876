import type { ChatHistoryItem } from "node-llama-cpp";
import { plainPrompt, type Prompt } from "../../src/llm/Prompt.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateOptions, Runner } from "../../src/llm/Runner.js";
import { jsonSchemaGrammar } from "../../src/llm/grammar/jsonSchemaGrammar.js";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { assertValid } from "../support/schemaValidator.js";

// A schema whose grammar always ends (enums, booleans, bounded strings and arrays): the test model's text is
// noise, but under the grammar it still has to produce exactly this structure.
const SCHEMA = {
  type: "object",
  properties: {
    answer: { enum: ["yes", "no", "maybe"] },
    sure: { type: "boolean" },
    score: { type: "integer", minimum: 1, maximum: 10 },
    words: { type: "array", items: { type: "string", maxLength: 6 }, maxItems: 3 },
  },
  required: ["answer", "sure", "score", "words"],
  additionalProperties: false,
};

/** Loads the runner under test on a model file. */
export type MakeRunner = (modelPath: string) => Promise<Runner>;

/**
 * The behaviours every Runner shows on the generated test model, whatever generates the tokens. The model's
 * weights are random, so replies use ignoreEos wherever an early end-of-generation would spoil the check.
 */
export function runnerContract(name: string, makeRunner: MakeRunner): void {
  describe(`${name} (runner contract)`, () => {
    let runner: Runner;
    let prompt: Prompt;

    beforeAll(async () => {
      runner = await makeRunner(TEST_MODEL_PATH);
      const chatHistory: ChatHistoryItem[] = [
        { type: "system", text: "You are a test." },
        { type: "user", text: "Tell me a story" },
        { type: "model", response: [] },
      ];
      prompt = plainPrompt(runner.chatWrapper.generateContextState({ chatHistory }).contextText);
    });
    afterAll(async () => {
      await runner?.dispose();
    });

    const collect = async (options: Partial<GenerateOptions>) => {
      const generation = runner.generate(prompt, { maxTokens: 24, temperature: 1, seed: 1, ignoreEos: true, ...options });
      const chunks: string[] = [];
      for await (const chunk of generation) chunks.push(chunk);
      return { chunks, text: chunks.join(""), result: await generation.result };
    };

    it("streams the reply in more than one chunk", async () => {
      const { chunks, text } = await collect({ maxTokens: 48 });
      expect(chunks.length).toBeGreaterThan(1);
      expect(text.length).toBeGreaterThan(0);
    });

    it("stops at maxTokens with finish reason length, and counts the tokens", async () => {
      const { result } = await collect({ maxTokens: 12 });
      expect(result.finishReason).toBe("length");
      expect(result.generatedTokens).toBe(12);
      expect(result.promptTokens).toBeGreaterThan(5);
      // countTokens is exact or an upper bound, so it can be used to fit a prompt into the context.
      expect(result.promptTokens).toBeLessThanOrEqual(runner.countTokens(prompt));
    });

    it("stops before a stop string, which is not returned", async () => {
      const full = (await collect({ maxTokens: 40, seed: 7 })).text;
      expect(full.length).toBeGreaterThan(12);
      const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 3);
      const { text, result } = await collect({ maxTokens: 40, seed: 7, stop: [stop] });
      expect(text).toBe(full.slice(0, full.indexOf(stop)));
      expect(result.finishReason).toBe("stop");
    });

    it("stops within 2 chunks of an abort, ends with finish reason abort, and stays usable", async () => {
      const controller = new AbortController();
      const generation = runner.generate(prompt, {
        maxTokens: 2000,
        temperature: 1,
        ignoreEos: true,
        signal: controller.signal,
      });
      let afterAbort = 0;
      let received = 0;
      for await (const chunk of generation) {
        expect(chunk).not.toBe("");
        if (controller.signal.aborted) afterAbort += 1;
        received += 1;
        if (received === 3) controller.abort();
      }
      expect(received).toBeGreaterThanOrEqual(3);
      expect(afterAbort).toBeLessThanOrEqual(2);
      expect((await generation.result).finishReason).toBe("abort");

      const next = await collect({ maxTokens: 4 });
      expect(next.result.finishReason).toBe("length");
      expect(next.result.generatedTokens).toBe(4);
    });

    it("gives the same text for the same seed at temperature 1, and another text for another seed", async () => {
      const first = (await collect({ maxTokens: 30, seed: 42 })).text;
      const again = (await collect({ maxTokens: 30, seed: 42 })).text;
      const other = (await collect({ maxTokens: 30, seed: 43 })).text;
      expect(first.length).toBeGreaterThan(0);
      expect(again).toBe(first);
      expect(other).not.toBe(first);
    });

    it("refuses work after dispose() (which is idempotent), and is disposed at the end of an `await using` block", async () => {
      let escaped: Runner | undefined;
      {
        await using scoped = await makeRunner(TEST_MODEL_PATH);
        expect(scoped.countTokens(prompt)).toBeGreaterThan(0);
        escaped = scoped;
      }
      const refused = expect.objectContaining({ kind: "model_unavailable" });
      expect(() => escaped.generate(prompt, { maxTokens: 4, temperature: 0 })).toThrow(refused);
      expect(() => escaped.countTokens(prompt)).toThrow(refused);
      expect(() => escaped.showPrompt(prompt)).toThrow(refused);
      await expect(escaped.dispose()).resolves.toBeUndefined();
      // The shared runner of the other cases is untouched.
      expect((await collect({ maxTokens: 4 })).result.generatedTokens).toBe(4);
    });

    it("constrains a reply to a JSON schema's grammar: it parses, validates and ends with finish reason stop", async () => {
      const grammar = { gbnf: jsonSchemaGrammar(SCHEMA, "schema") };
      for (const seed of [1, 2, 3]) {
        const { text, result } = await collect({ maxTokens: 300, seed, ignoreEos: false, grammar });
        expect(result.finishReason).toBe("stop");
        assertValid(SCHEMA, JSON.parse(text));
      }
    });

    it("cuts a grammar-constrained reply at maxTokens with finish reason length", async () => {
      const grammar = { gbnf: jsonSchemaGrammar(SCHEMA, "schema") };
      const { text, result } = await collect({ maxTokens: 4, seed: 1, ignoreEos: false, grammar });
      expect(result.finishReason).toBe("length");
      expect(result.generatedTokens).toBe(4);
      expect(text.startsWith("{")).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    });

    it("starts a lazy grammar where its trigger ends, mid-token too, the text before it unchanged; a runner without lazy grammars generates unconstrained", async () => {
      const free = (await collect({ maxTokens: 60, seed: 11, ignoreEos: false })).text;
      // A trigger that ends inside a word, so the token that completes it also runs past it.
      const end = [...free.matchAll(/[a-z](?=[a-z])/g)].map((match) => match.index + 1).find((index) => index > 8 && free.indexOf(free.slice(index - 5, index)) === index - 5);
      expect(end).toBeDefined();
      const grammar = { gbnf: 'root ::= " {\\"done\\": " ("true" | "false") "}"', triggers: [free.slice(end! - 5, end)] };
      const { text, result } = await collect({ maxTokens: 60, seed: 11, ignoreEos: false, grammar });
      if (!runner.lazyGrammar) {
        // As Runner.lazyGrammar documents: the caller checks what came out.
        expect(text).toBe(free);
        return;
      }
      expect(text.slice(0, end)).toBe(free.slice(0, end));
      expect(text.slice(end)).toMatch(/^ \{"done": (true|false)\}$/);
      expect(result.finishReason).toBe("stop");
    });

    it("fails clearly for a model path that does not exist", async () => {
      const missing = "/nonexistent/llama-api/missing-model.gguf";
      await expect(makeRunner(missing)).rejects.toThrow(/missing-model\.gguf|ENOENT/);
    });
  });
}
