import path from "node:path";
import { randomInt } from "node:crypto";
import { availableParallelism, freemem } from "node:os";
import {
  getLlama,
  isLlamaText,
  LlamaLogLevel,
  resolveChatWrapper,
  TokenBias,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { modelFingerprint } from "../modelFingerprint.js";
import type { Prompt } from "../Prompt.js";
import type { EmbeddingInput, Embeddings, GenerateOptions, Generation, GenerationResult, Runner } from "../Runner.js";
import { createGeneration } from "../createGeneration.js";
import { ensureNotDisposed } from "../ensureNotDisposed.js";
import { ModelLoadError } from "../ModelLoadError.js";
import { promptText } from "../promptText.js";
import { StopStringMatcher } from "../StopStringMatcher.js";
import { Utf8TokenDecoder } from "../Utf8TokenDecoder.js";
import { Embedder } from "./Embedder.js";
import { NativeAddonUnavailableError } from "./NativeAddonUnavailableError.js";
import { DiskStateStore } from "./DiskStateStore.js";
import { EvictedStateCache } from "./EvictedStateCache.js";
import { replyTokens } from "./replyTokens.js";
import { SequencePool } from "./SequencePool.js";
import { StepBarrier, type StepMember } from "./StepBarrier.js";

export interface NodeLlamaCppRunnerOptions {
  modelPath: string;
  /** Tokens per sequence; capped at the model's training context. */
  contextSize: number;
  /** Compute threads. Unset: one fewer than the CPU cores, at least 1 (see defaultThreads). */
  threads?: number | undefined;
  /** "auto" picks CUDA, Vulkan or Metal where available; false forces the CPU. */
  gpu: "auto" | false;
  /**
   * Sequences in the context: replies generated at the same time, and chats whose KV cache stays resident
   * between turns. Unset: up to 4, as memory allows.
   */
  parallel?: number | undefined;
  /** Requests that may wait for a free sequence; one more gets 503. Default 64. */
  maxQueue?: number;
  /** Bytes of RAM for the KV caches of recycled sequences (0: none). Default 1 GiB. */
  cacheRamBytes?: number;
  /**
   * Where chats' KV caches are saved on shutdown and when they leave the RAM cache, to be loaded back after a
   * restart (`<data dir>/kv-cache`). Unset: nowhere.
   */
  stateDir?: string | undefined;
  /** Bytes of disk for those saved caches (0: none). Default 4 GiB. */
  cacheDiskBytes?: number;
  /** Receives llama.cpp's own log lines (warnings and errors). */
  onLog?: (level: "warn" | "error", message: string) => void;
  /** Receives the runner's own warnings (a saved cache found damaged or foreign and removed). */
  onWarning?: (message: string) => void;
}

/** The in-process runner: the model is loaded once, tokens come straight out of node-llama-cpp's evaluator. */
export class NodeLlamaCppRunner implements Runner {
  readonly kind = "node";
  readonly lazyGrammar = true;
  readonly modelName: string;
  readonly contextSize: number;
  readonly parallel: number;
  readonly chatWrapper: ChatWrapper;
  readonly addsBos: boolean;
  /** Which llama.cpp build was loaded (prebuilt or local, CPU or GPU), for the start-up log. */
  readonly buildDescription: string;

  private constructor(
    private readonly llama: Llama,
    /** The loaded model (tokenizer access for tools and tests). */
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly pool: SequencePool,
    readonly modelFingerprint: string,
    private readonly evicted: EvictedStateCache,
    private readonly disk: DiskStateStore,
    private readonly embedder: Embedder,
  ) {
    this.modelName = path.basename(model.filename ?? "model.gguf");
    this.contextSize = context.contextSize;
    this.parallel = context.totalSequences;
    this.chatWrapper = resolveChatWrapper(model);
    this.addsBos = model.tokens.shouldPrependBosToken;
    this.buildDescription = `${llama.buildType} build, gpu: ${llama.gpu === false ? "none" : llama.gpu}`;
  }

  static async load(options: NodeLlamaCppRunnerOptions): Promise<NodeLlamaCppRunner> {
    // llama.cpp says why a model does not load only in its log; its exception just says that it failed.
    const errors: string[] = [];
    let lastLogAt = 0;
    const llama = await getLlama({
      gpu: options.gpu,
      // Never try to download or compile at run time: the prebuilt binaries ship as npm packages, and a local
      // build comes from `npm run build:native`.
      build: "never",
      skipDownload: true,
      maxThreads: options.threads ?? defaultThreads(),
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text === "") return;
        lastLogAt = performance.now();
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) errors.push(text);
        options.onLog?.(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? "error" : "warn", text);
      },
    }).catch((error: unknown) => {
      throw new NativeAddonUnavailableError(error);
    });
    try {
      const model = await llama.loadModel({ modelPath: options.modelPath }).catch(async (error: unknown) => {
        await logsSettled(() => lastLogAt);
        throw new ModelLoadError(options.modelPath, loadFailureReason(errors, error), error);
      });
      const contextSize = Math.min(options.contextSize, model.trainContextSize);
      const parallel = options.parallel ?? defaultParallel(model, contextSize);
      const context = await model.createContext({
        contextSize,
        sequences: parallel,
        threads: options.threads ?? defaultThreads(),
      });
      const fingerprint = await modelFingerprint(options.modelPath);
      const disk = await DiskStateStore.open({
        dir: options.stateDir ?? "",
        budgetBytes: options.stateDir === undefined ? 0 : (options.cacheDiskBytes ?? 4 * 1024 ** 3),
        fingerprint,
        warn: options.onWarning ?? (() => undefined),
      });
      const evicted = new EvictedStateCache(options.cacheRamBytes ?? 1024 ** 3, (file, tokens) => disk.adopt(file, tokens));
      const pool = new SequencePool(context, parallel, options.maxQueue ?? 64, { ram: evicted, disk });
      const embedder = new Embedder(model, contextSize, options.threads ?? defaultThreads());
      return new NodeLlamaCppRunner(llama, model, context, pool, fingerprint, evicted, disk, embedder);
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** Requests waiting for a free sequence. */
  get queueDepth(): number {
    return this.pool.waiting;
  }

  /** Every sequence busy and the queue full. */
  get capacity(): number {
    return this.pool.capacity;
  }

  countTokens(prompt: Prompt): number {
    return this.tokenize(prompt).length;
  }

  showPrompt(prompt: Prompt): string {
    ensureNotDisposed(this.disposed);
    return promptText(prompt.text, (token) => this.model.detokenize(this.model.tokenize(token, "builtin"), true));
  }

  /** Template text tokenized as node-llama-cpp does; known replies as the tokens they were generated as. */
  private tokenize(prompt: Prompt): Token[] {
    ensureNotDisposed(this.disposed);
    const tokens: Token[] = [];
    for (const segment of prompt.segments) {
      if (isLlamaText(segment)) {
        // A segment that continues the prompt must not get SentencePiece's leading space a fresh text gets.
        tokens.push(...segment.tokenize(this.model.tokenizer, tokens.length > 0 ? "trimLeadingSpace" : undefined));
      } else {
        tokens.push(...segment.tokens);
      }
    }
    return tokens;
  }

  generate(prompt: Prompt, options: GenerateOptions): Generation {
    ensureNotDisposed(this.disposed);
    return createGeneration((stats, startedAt) => this.run(prompt, options, stats, startedAt));
  }

  private async *run(
    prompt: Prompt,
    options: GenerateOptions,
    stats: GenerationResult,
    startedAt: number,
  ): AsyncGenerator<string, void, undefined> {
    const { signal } = options;
    // Disposed between generate() and the first read: refused like any later call.
    const tokens = this.tokenize(prompt);
    stats.promptTokens = tokens.length;
    const grammar =
      options.grammar === undefined
        ? undefined
        : { grammar: await this.llama.createGrammar({ grammar: options.grammar.gbnf }), triggers: options.grammar.triggers };
    const { sequence, reused } = await this.pool.acquire(tokens, signal);
    stats.queueSeconds = (performance.now() - startedAt) / 1000;
    let firstTokenAt: number | undefined;
    try {
      stats.cachedTokens = reused;
      const promptStartedAt = performance.now();
      const last = await this.evaluatePrompt(sequence, tokens.slice(reused), signal);

      const decoder = new Utf8TokenDecoder(this.model, tokens, grammar !== undefined);
      const stops = new StopStringMatcher(options.stop ?? []);
      const generated: Token[] = [];
      let cutByStopString = false;
      const sampling = {
        temperature: options.temperature,
        seed: options.seed ?? randomInt(2 ** 31),
        ...(options.topP === undefined ? {} : { topP: options.topP }),
        ...(options.ignoreEos === true ? { tokenBias: this.noEndOfGeneration() } : {}),
      };
      const evaluation = replyTokens(this.model, sequence, last, sampling, grammar);
      // Stays "abort" unless the loop ends by itself: a consumer that stops reading early also ends up here.
      stats.finishReason = "abort";
      let member: StepMember | undefined;
      try {
        for await (const token of evaluation) {
          if (member === undefined) member = this.barrier.join();
          else member.received();
          if (stats.generatedTokens === 0) stats.promptSeconds = (performance.now() - promptStartedAt) / 1000;
          if (signal?.aborted === true) break;
          if (options.ignoreEos !== true && this.model.isEogToken(token)) {
            stats.finishReason = "stop";
            break;
          }
          stats.generatedTokens += 1;
          generated.push(token);
          const { emit, stopped } = stops.push(decoder.push(token));
          if (emit !== "") {
            firstTokenAt ??= performance.now();
            yield emit;
          }
          if (stopped) {
            stats.finishReason = "stop";
            cutByStopString = true;
            break;
          }
          if (stats.generatedTokens >= options.maxTokens) {
            stats.finishReason = "length";
            break;
          }
          await this.pool.lockBreak.between();
          await member.arrive();
        }
      } finally {
        member?.leave();
      }
      // The evaluator ran out by itself (the context is full): the reply is cut for length.
      if (stats.finishReason === "abort" && signal?.aborted !== true) stats.finishReason = "length";
      if (stats.finishReason !== "abort" && !cutByStopString) {
        const rest = stops.push(decoder.flush()).emit + stops.flush();
        if (rest !== "") {
          firstTokenAt ??= performance.now();
          yield rest;
        }
        stats.tokens = generated;
      }
    } finally {
      if (firstTokenAt !== undefined) {
        stats.timeToFirstTokenSeconds = (firstTokenAt - startedAt) / 1000;
        stats.generationSeconds = (performance.now() - firstTokenAt) / 1000;
      }
      this.pool.release(sequence);
    }
  }

  /**
   * Evaluates all but the last prompt token batch by batch, checking the signal in between, so that a client
   * that leaves during a long prompt stops it within one batch. Returns the tokens left for `evaluate`.
   */
  private async evaluatePrompt(sequence: LlamaContextSequence, pending: Token[], signal: AbortSignal | undefined): Promise<Token[]> {
    const batch = this.context.batchSize;
    let rest = pending;
    while (rest.length > batch) {
      await this.pool.lockBreak.between();
      signal?.throwIfAborted();
      await sequence.evaluateWithoutGeneratingNewTokens(rest.slice(0, batch));
      rest = rest.slice(batch);
    }
    await this.pool.lockBreak.between();
    signal?.throwIfAborted();
    return rest;
  }

  embed(inputs: readonly EmbeddingInput[], signal?: AbortSignal): Promise<Embeddings> {
    ensureNotDisposed(this.disposed);
    return this.embedder.embed(inputs, signal);
  }

  private noEndOfGeneration(): TokenBias {
    const bias = new TokenBias(this.model.tokenizer);
    for (const token of [this.model.tokens.eos, this.model.tokens.eot]) {
      if (token !== null) bias.set(token, "never");
    }
    return bias;
  }

  private disposed = false;
  /** Concurrent replies ask for their next tokens together, so that each step is one batch. */
  private readonly barrier = new StepBarrier();

  /**
   * Saves the chats' caches to disk (those in the RAM cache, then the idle sequences', least recently used
   * first, so that the budget keeps the most recent), then frees context, RAM cache, model and llama.cpp, in
   * reverse order of creation; idempotent.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.embedder.dispose();
    if (this.disk.enabled) {
      await this.evicted.spillAll();
      for (const sequence of this.pool.idleSequences.slice()) await this.disk.save(sequence);
      await this.disk.settled();
    }
    await this.context.dispose();
    await this.evicted.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Compute threads when LLAMA_THREADS is unset: one core is left to the JavaScript thread (sampling, detokenizing,
 * HTTP). ggml's threads wait for each other at every step, so one that has to share its core with the event loop
 * stalls the others: on 2 cores, decoding with 2 threads measured 8 tokens/s against 45 with 1 (the 150M test
 * model, `scripts/decode-speed.ts`). node-llama-cpp's own default (at least 4) is worse still on small hosts.
 */
/**
 * llama.cpp's log lines reach JavaScript after the call that failed has returned (they come through the addon's
 * thread-safe callback): waits until none has come for 50 ms, half a second at most.
 */
async function logsSettled(lastLogAt: () => number): Promise<void> {
  const failedAt = performance.now();
  while (performance.now() - Math.max(failedAt, lastLogAt()) < 50 && performance.now() - failedAt < 500) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** llama.cpp's "error loading model: …" line without its function-name prefix, else the exception's message. */
function loadFailureReason(errors: readonly string[], error: unknown): string {
  const line = errors.find((text) => text.includes("error loading model: "));
  const reason = line?.slice(line.indexOf("error loading model: ") + "error loading model: ".length) ??
    (error instanceof Error ? error.message : String(error));
  return reason.replace(/[.\s]+$/, "");
}

function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Sequences to create when LLAMA_PARALLEL is unset: up to 4, while their KV caches take at most a quarter of
 * the memory free at start-up.
 */
function defaultParallel(model: LlamaModel, contextSize: number): number {
  const estimate = (sequences: number) =>
    model.fileInsights.estimateContextResourceRequirements({ contextSize, modelGpuLayers: model.gpuLayers, sequences }).cpuRam;
  const perSequence = Math.max(1, estimate(2) - estimate(1));
  return Math.max(1, Math.min(4, Math.floor(freemem() / 4 / perSequence)));
}
