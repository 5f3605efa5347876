import type { GenerateOptions, Generation, GenerationResult, Runner } from "../../src/llm/Runner.js";

/**
 * A framing-test double: the real runner's prompt handling, but generation fails after `chunksBeforeFailure`
 * chunks of the real runner's output. Proves how the server answers a runner failure, nothing else.
 */
export class FailingRunner implements Runner {
  constructor(
    private readonly inner: Runner,
    private readonly chunksBeforeFailure: number,
  ) {}

  get kind() { return this.inner.kind; }
  get modelName() { return this.inner.modelName; }
  get contextSize() { return this.inner.contextSize; }
  get chatWrapper() { return this.inner.chatWrapper; }
  countTokens(...args: Parameters<Runner["countTokens"]>) { return this.inner.countTokens(...args); }
  showPrompt(...args: Parameters<Runner["showPrompt"]>) { return this.inner.showPrompt(...args); }
  dispose() { return Promise.resolve(); }

  generate(prompt: Parameters<Runner["generate"]>[0], options: GenerateOptions): Generation {
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
