import { LlamaText, SpecialToken, SpecialTokensText } from "node-llama-cpp";
import { DomainError } from "../errors/DomainError.js";
import type { BuiltPrompt } from "./buildPrompt.js";
import { plainPrompt } from "./Prompt.js";
import type { Runner } from "./Runner.js";

/**
 * A raw prompt (`/v1/completions`): the client's text as the model reads it, no chat template, with the BOS
 * token the model's tokenizer puts first and special-token texts in it read as those tokens (as llama.cpp's
 * server reads them, so a hand-written template works). The sequence pool still reuses the longest cached
 * prefix, so a client that extends its last prompt evaluates only what it added.
 */
export function buildRawPrompt(runner: Pick<Runner, "addsBos" | "countTokens" | "contextSize">, text: string, maxTokens: number): BuiltPrompt {
  const prompt = plainPrompt(LlamaText([...(runner.addsBos ? [new SpecialToken("BOS")] : []), new SpecialTokensText(text)]));
  const promptTokens = runner.countTokens(prompt);
  const budget = runner.contextSize - maxTokens;
  if (promptTokens > budget) {
    throw new DomainError(
      "prompt_too_long",
      `The prompt needs ${promptTokens} tokens, but only ${Math.max(budget, 0)} of the ${runner.contextSize}-token context ` +
        `are left after max_tokens (${maxTokens}). Send a shorter prompt or ask for fewer tokens.`,
      { param: "prompt" },
    );
  }
  return { prompt, promptTokens, windowStart: 0 };
}
