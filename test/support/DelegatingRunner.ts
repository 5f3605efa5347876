import type { EmbeddingInput, GenerateOptions, Generation, Runner } from "../../src/llm/Runner.js";
import type { Prompt } from "../../src/llm/Prompt.js";

/** Passes everything to a real runner; test doubles override `generate` alone. */
export class DelegatingRunner implements Runner {
  constructor(protected readonly inner: Runner) {}

  get kind() { return this.inner.kind; }
  get modelName() { return this.inner.modelName; }
  get modelFingerprint() { return this.inner.modelFingerprint; }
  get contextSize() { return this.inner.contextSize; }
  get queueDepth() { return this.inner.queueDepth ?? 0; }
  get capacity() { return this.inner.capacity ?? Infinity; }
  get chatWrapper() { return this.inner.chatWrapper; }
  get addsBos() { return this.inner.addsBos; }
  get lazyGrammar() { return this.inner.lazyGrammar; }
  countTokens(prompt: Prompt) { return this.inner.countTokens(prompt); }
  showPrompt(prompt: Prompt) { return this.inner.showPrompt(prompt); }
  generate(prompt: Prompt, options: GenerateOptions): Generation { return this.inner.generate(prompt, options); }
  embed(inputs: readonly EmbeddingInput[], signal?: AbortSignal) { return this.inner.embed(inputs, signal); }
  /** The inner runner belongs to the test, which disposes it. */
  dispose() { return Promise.resolve(); }
  [Symbol.asyncDispose]() { return this.dispose(); }
}
