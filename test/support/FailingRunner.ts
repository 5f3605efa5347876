import type { Prompt } from "../../src/llm/Prompt.js";
import type { GenerateOptions, Generation, GenerationResult, Runner } from "../../src/llm/Runner.js";
import { DelegatingRunner } from "./DelegatingRunner.js";

/**
 * A framing-test double: the real runner's prompt handling, but generation fails after `chunksBeforeFailure`
 * chunks of the real runner's output. Proves how the server answers a runner failure, nothing else.
 */
export class FailingRunner extends DelegatingRunner {
  constructor(
    inner: Runner,
    private readonly chunksBeforeFailure: number,
  ) {
    super(inner);
  }

  override generate(prompt: Prompt, options: GenerateOptions): Generation {
    const inner = this.inner.generate(prompt, { ...options, ignoreEos: true });
    const limit = this.chunksBeforeFailure;
    let fail!: (error: Error) => void;
    const result = new Promise<GenerationResult>((_, reject) => (fail = reject));
    result.catch(() => undefined);
    return {
      result,
      async *[Symbol.asyncIterator]() {
        let count = 0;
        for await (const chunk of inner) {
          if (count === limit) break;
          count += 1;
          yield chunk;
        }
        const error = new Error("llama.cpp failed: simulated decode error at /secret/path/model.gguf");
        fail(error);
        throw error;
      },
    };
  }
}
