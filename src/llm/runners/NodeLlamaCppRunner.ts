import path from "node:path";
import { randomInt } from "node:crypto";
import {
  getLlama,
  LlamaLogLevel,
  resolveChatWrapper,
  TokenBias,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
  type LlamaText,
  type Token,
} from "node-llama-cpp";
import type { GenerateOptions, Generation, GenerationResult, Runner } from "../Runner.js";
import { createGeneration } from "../createGeneration.js";
import { promptText } from "../promptText.js";
import { StopStringMatcher } from "../StopStringMatcher.js";
import { Utf8TokenDecoder } from "../Utf8TokenDecoder.js";
import { NativeAddonUnavailableError } from "./NativeAddonUnavailableError.js";
import { SequencePool } from "./SequencePool.js";

export interface NodeLlamaCppRunnerOptions {
  modelPath: string;
  /** Tokens per sequence; capped at the model's training context. */
  contextSize: number;
  /** Unset: node-llama-cpp's choice. */
  threads?: number | undefined;
  /** "auto" picks CUDA, Vulkan or Metal where available; false forces the CPU. */
  gpu: "auto" | false;
  /** Sequences in the context, i.e. replies generated at the same time. Default 1. */
  parallel?: number;
  /** Receives llama.cpp's own log lines (warnings and errors). */
  onLog?: (level: "warn" | "error", message: string) => void;
}

/** The in-process runner: the model is loaded once, tokens come straight out of node-llama-cpp's evaluator. */
export class NodeLlamaCppRunner implements Runner {
  readonly kind = "node";
  readonly modelName: string;
  readonly contextSize: number;
  readonly chatWrapper: ChatWrapper;
  /** Which llama.cpp build was loaded (prebuilt or local, CPU or GPU), for the start-up log. */
  readonly buildDescription: string;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly pool: SequencePool,
  ) {
    this.modelName = path.basename(model.filename ?? "model.gguf");
    this.contextSize = context.contextSize;
    this.chatWrapper = resolveChatWrapper(model);
    this.buildDescription = `${llama.buildType} build, gpu: ${llama.gpu === false ? "none" : llama.gpu}`;
  }

  static async load(options: NodeLlamaCppRunnerOptions): Promise<NodeLlamaCppRunner> {
    const llama = await getLlama({
      gpu: options.gpu,
      // Never try to download or compile at run time: the prebuilt binaries ship as npm packages, and a local
      // build comes from `npm run build:native`.
      build: "never",
      skipDownload: true,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text === "") return;
        options.onLog?.(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? "error" : "warn", text);
      },
    }).catch((error: unknown) => {
      throw new NativeAddonUnavailableError(error);
    });
    try {
      const model = await llama.loadModel({ modelPath: options.modelPath });
      const parallel = options.parallel ?? 1;
      const context = await model.createContext({
        contextSize: Math.min(options.contextSize, model.trainContextSize),
        sequences: parallel,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      return new NodeLlamaCppRunner(llama, model, context, new SequencePool(context, parallel));
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  countTokens(prompt: LlamaText): number {
    return prompt.tokenize(this.model.tokenizer).length;
  }

  showPrompt(prompt: LlamaText): string {
    return promptText(prompt, (token) => this.model.detokenize(this.model.tokenize(token, "builtin"), true));
  }

  generate(prompt: LlamaText, options: GenerateOptions): Generation {
    const startedAt = performance.now();
    const stats: GenerationResult = {
      finishReason: "stop",
      promptTokens: 0,
      cachedTokens: 0,
      generatedTokens: 0,
      generationSeconds: 0,
    };
    return createGeneration(stats, () => this.run(prompt, options, stats, startedAt));
  }

  private async *run(
    prompt: LlamaText,
    options: GenerateOptions,
    stats: GenerationResult,
    startedAt: number,
  ): AsyncGenerator<string, void, undefined> {
    const { signal } = options;
    const tokens = prompt.tokenize(this.model.tokenizer);
    stats.promptTokens = tokens.length;
    const sequence = await this.pool.acquire(tokens, signal);
    let firstTokenAt: number | undefined;
    try {
      // Keep the cached prefix the prompt shares with this sequence; at least the last prompt token is
      // evaluated again, since its logits are what the first reply token is sampled from.
      const reused = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1);
      if (sequence.nextTokenIndex > reused) {
        await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
      }
      stats.cachedTokens = reused;

      const decoder = new Utf8TokenDecoder(this.model, tokens);
      const stops = new StopStringMatcher(options.stop ?? []);
      const evaluation = sequence.evaluate(tokens.slice(reused), {
        temperature: options.temperature,
        seed: options.seed ?? randomInt(2 ** 31),
        ...(options.topP === undefined ? {} : { topP: options.topP }),
        ...(options.ignoreEos === true ? { tokenBias: this.noEndOfGeneration() } : {}),
      });
      stats.finishReason = "length";
      for await (const token of evaluation) {
        if (signal?.aborted === true) {
          stats.finishReason = "abort";
          break;
        }
        if (options.ignoreEos !== true && this.model.isEogToken(token)) {
          stats.finishReason = "stop";
          break;
        }
        stats.generatedTokens += 1;
        const { emit, stopped } = stops.push(decoder.push(token));
        if (emit !== "") {
          firstTokenAt ??= performance.now();
          yield emit;
        }
        if (stopped) {
          stats.finishReason = "stop";
          break;
        }
        if (stats.generatedTokens >= options.maxTokens) break;
      }
      if (stats.finishReason !== "stop") {
        const rest = stops.push(decoder.flush()).emit + stops.flush();
        if (rest !== "") {
          firstTokenAt ??= performance.now();
          yield rest;
        }
      }
    } finally {
      if (firstTokenAt !== undefined) {
        stats.timeToFirstTokenSeconds = (firstTokenAt - startedAt) / 1000;
        stats.generationSeconds = (performance.now() - firstTokenAt) / 1000;
      }
      this.pool.release(sequence);
    }
  }

  private noEndOfGeneration(): TokenBias {
    const bias = new TokenBias(this.model.tokenizer);
    for (const token of [this.model.tokens.eos, this.model.tokens.eot]) {
      if (token !== null) bias.set(token, "never");
    }
    return bias;
  }

  private disposed = false;

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

export type { Token };
