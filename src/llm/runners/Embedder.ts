import type { LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { DomainError } from "../../errors/DomainError.js";
import type { EmbeddingInput, Embeddings } from "../Runner.js";

/**
 * Embeddings from the loaded model, on an embedding context created on the first request (most servers never
 * need one) and kept: one context of `contextSize` tokens with one sequence, so its memory is bounded and
 * known. node-llama-cpp evaluates one input at a time on it.
 */
export class Embedder {
  private context: Promise<LlamaEmbeddingContext> | undefined;
  private disposed = false;

  constructor(
    private readonly model: LlamaModel,
    private readonly contextSize: number,
    private readonly threads: number,
  ) {}

  async embed(inputs: readonly EmbeddingInput[], signal?: AbortSignal): Promise<Embeddings> {
    const vocabularySize = this.model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    const resolved = inputs.map((input, index) => {
      if (typeof input === "string") return input;
      const bad = input.find((token) => !Number.isInteger(token) || token < 0 || token >= vocabularySize);
      if (bad !== undefined) {
        throw new DomainError("invalid_request", `Token ${bad} is not in the model's vocabulary (0 to ${vocabularySize - 1}).`, {
          param: `input[${index}]`,
        });
      }
      return input as Token[];
    });
    const context = await this.open();
    const vectors: number[][] = [];
    let promptTokens = 0;
    for (const [index, input] of resolved.entries()) {
      signal?.throwIfAborted();
      // Counts the BOS/EOS tokens node-llama-cpp adds, which must fit too.
      const length = context.calculateInputLength(typeof input === "string" ? input : [...input]);
      if (length >= this.contextSize) {
        throw new DomainError(
          "prompt_too_long",
          `Input ${index} is ${length} tokens; the embedding context holds ${this.contextSize - 1}.`,
          { param: "input" },
        );
      }
      const { vector } = await context.getEmbeddingFor(typeof input === "string" ? input : [...input]);
      vectors.push(normalized(vector));
      promptTokens += length;
    }
    return { vectors, promptTokens };
  }

  private open(): Promise<LlamaEmbeddingContext> {
    if (this.disposed) throw new DomainError("model_unavailable", "The model has been unloaded.", { retryAfterSeconds: 5 });
    this.context ??= this.model.createEmbeddingContext({ contextSize: this.contextSize, batchSize: this.contextSize, threads: this.threads });
    // A failed creation (out of memory) is not remembered: the next request tries again.
    this.context.catch(() => (this.context = undefined));
    return this.context;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const context = await this.context?.catch(() => undefined);
    await context?.dispose();
  }
}

/** Unit length, as OpenAI's embeddings are (and llama.cpp's server normalizes by default). */
function normalized(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}
