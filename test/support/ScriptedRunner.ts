import { createGeneration } from "../../src/llm/createGeneration.js";
import type { Prompt } from "../../src/llm/Prompt.js";
import type { GenerateOptions, Generation, Runner } from "../../src/llm/Runner.js";
import { DelegatingRunner } from "./DelegatingRunner.js";

/**
 * A framing-test double: the real runner's prompt handling, but every reply is exactly `chunks`, one "token"
 * each. For what the random test model cannot be asked to write (a reply with HTML in it), nothing else.
 */
export class ScriptedRunner extends DelegatingRunner {
  constructor(
    inner: Runner,
    private readonly chunks: readonly string[],
  ) {
    super(inner);
  }

  override generate(prompt: Prompt, options: GenerateOptions): Generation {
    const chunks = this.chunks;
    const promptTokens = this.inner.countTokens(prompt);
    return createGeneration(async function* (stats, startedAt) {
      stats.promptTokens = promptTokens;
      for (const chunk of chunks) {
        if (options.signal?.aborted === true) {
          stats.finishReason = "abort";
          return;
        }
        if (stats.generatedTokens === 0) stats.timeToFirstTokenSeconds = (performance.now() - startedAt) / 1000;
        stats.generatedTokens += 1;
        yield chunk;
      }
    });
  }
}
