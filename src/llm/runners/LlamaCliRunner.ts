import { randomInt } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
// Only node-llama-cpp's pure-JS parts (GGUF reading, chat templates, LlamaText): this runner must work where
// its native addon cannot load.
import { GeneralChatWrapper, readGgufFileInfo, resolveChatWrapper, type ChatWrapper } from "node-llama-cpp";
import { settings } from "../../config/settings.js";
import { DomainError } from "../../errors/DomainError.js";
import { CompletionOutput } from "../cli/CompletionOutput.js";
import { completionFailure } from "../cli/completionFailure.js";
import { CompletionProcess } from "../cli/CompletionProcess.js";
import { llamaCompletionArgs } from "../cli/llamaCompletionArgs.js";
import { readModelVocabulary, type ModelVocabulary } from "../cli/ModelVocabulary.js";
import { parseLlamaPerf } from "../cli/parseLlamaPerf.js";
import { serializePrompt } from "../cli/serializePrompt.js";
import { createGeneration } from "../createGeneration.js";
import { ensureNotDisposed } from "../ensureNotDisposed.js";
import { modelFingerprint } from "../modelFingerprint.js";
import type { Prompt } from "../Prompt.js";
import type { EmbeddingInput, Embeddings, GenerateOptions, Generation, GenerationResult, Runner } from "../Runner.js";
import { StopStringMatcher } from "../StopStringMatcher.js";

export interface LlamaCliRunnerOptions {
  /** llama.cpp's llama-completion (or an older llama-cli, which takes the same flags). */
  binaryPath: string;
  modelPath: string;
  /** Tokens per run; capped at the model's training context. */
  contextSize: number;
  /** Unset: llama.cpp's choice. */
  threads?: number | undefined;
  /** Receives the tail of llama.cpp's stderr when a run fails. */
  onLog?: (level: "warn" | "error", message: string) => void;
  /** Called with the pid of each llama-completion process once it runs (tests check that it is gone). */
  onSpawn?: (pid: number) => void;
}

/**
 * The fallback runner: spawns llama-completion for every request, as the original project did with llama-cli.
 * Nothing stays loaded between requests (no KV cache reuse), so each turn evaluates its whole prompt.
 */
export class LlamaCliRunner implements Runner {
  readonly kind = "cli";
  /** llama-completion has no lazy grammars: a reply with trigger texts runs unconstrained. */
  readonly lazyGrammar = false;
  readonly modelName: string;
  private readonly running = new Set<CompletionProcess>();

  private constructor(
    private readonly options: LlamaCliRunnerOptions,
    private readonly vocabulary: ModelVocabulary,
    readonly chatWrapper: ChatWrapper,
    readonly contextSize: number,
    readonly modelFingerprint: string,
  ) {
    this.modelName = path.basename(options.modelPath);
  }

  get addsBos(): boolean {
    return this.vocabulary.addsBos;
  }

  static async load(options: LlamaCliRunnerOptions): Promise<LlamaCliRunner> {
    await fs.access(options.binaryPath, fs.constants.X_OK).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`The llama.cpp binary ${options.binaryPath} cannot be run (${error.code ?? error.message})`);
    });
    const fileInfo = await readGgufFileInfo(options.modelPath, { readTensorInfo: false, logWarnings: false });
    const vocabulary = readModelVocabulary(fileInfo);
    const chatWrapper =
      resolveChatWrapper({
        fileInfo,
        filename: path.basename(options.modelPath),
        bosString: vocabulary.builtinText("BOS"),
      }) ?? new GeneralChatWrapper();
    const trainContextSize = fileInfo.architectureMetadata.context_length ?? options.contextSize;
    const fingerprint = await modelFingerprint(options.modelPath);
    return new LlamaCliRunner(options, vocabulary, chatWrapper, Math.min(options.contextSize, trainContextSize), fingerprint);
  }

  // This runner evaluates text: a prompt's known reply tokens are used only through its whole text.

  /** An upper bound, not a count: there is no tokenizer without the native addon (see serializePrompt). */
  countTokens(prompt: Prompt): number {
    ensureNotDisposed(this.disposed);
    return serializePrompt(prompt.text, this.vocabulary).tokenBound;
  }

  showPrompt(prompt: Prompt): string {
    ensureNotDisposed(this.disposed);
    return serializePrompt(prompt.text, this.vocabulary).shown;
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
    ensureNotDisposed(this.disposed);
    const { signal } = options;
    // A function, not a narrowed property: the signal can fire at any await or yield.
    const aborted = () => signal?.aborted === true;
    if (aborted()) {
      stats.finishReason = "abort";
      return;
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-prompt-"));
    const promptFile = path.join(dir, "prompt.txt");
    let child: CompletionProcess | undefined;
    let firstTokenAt: number | undefined;
    const onAbort = () => child?.kill();
    try {
      // llama.cpp drops one trailing newline from a prompt file; the extra one keeps the prompt's own.
      await fs.writeFile(promptFile, `${serializePrompt(prompt.text, this.vocabulary).text}\n`, { mode: 0o600 });
      let grammarFile: string | undefined;
      if (options.grammar !== undefined && options.grammar.triggers === undefined) {
        grammarFile = path.join(dir, "grammar.gbnf");
        await fs.writeFile(grammarFile, options.grammar.gbnf, { mode: 0o600 });
      }
      const args = llamaCompletionArgs(
        {
          modelPath: this.options.modelPath,
          promptFile,
          contextSize: this.contextSize,
          threads: this.options.threads,
          seed: options.seed ?? randomInt(2 ** 31),
          grammarFile,
        },
        options,
      );
      child = await CompletionProcess.start(this.options.binaryPath, args).catch((error: NodeJS.ErrnoException) => {
        this.options.onLog?.("error", `cannot start ${this.options.binaryPath}: ${error.message}`);
        throw new DomainError("runner_unavailable", `The llama.cpp binary could not be started (${error.code ?? "error"}); see the server log.`, {
          retryAfterSeconds: 60,
          cause: error,
        });
      });
      this.running.add(child);
      this.options.onSpawn?.(child.pid);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (aborted()) child.kill();

      const output = new CompletionOutput();
      const stops = new StopStringMatcher(options.stop ?? []);
      let emitted = "";
      let stopped = false;
      for await (const chunk of child.stdout) {
        if (aborted()) break;
        const { emit, stopped: hit } = stops.push(output.push(chunk as Buffer));
        if (emit !== "") {
          firstTokenAt ??= performance.now();
          emitted += emit;
          yield emit;
        }
        if (hit) {
          stopped = true;
          break;
        }
      }
      if (aborted() || stopped) {
        // Killed (below) before it prints its timings, so the counts stay 0: unknown. Its SIGINT handler would
        // print them, but it logs from inside the signal handler and was seen to hang.
        stats.finishReason = aborted() ? "abort" : "stop";
        return;
      }

      const exit = await child.exited;
      if (aborted()) {
        stats.finishReason = "abort";
        return;
      }
      const { text, endOfText } = output.end();
      if (exit.code !== 0) {
        const tail = child.stderr.trim().split("\n").slice(-20).join("\n");
        this.options.onLog?.("error", `llama.cpp exited with ${exit.code ?? exit.signal}:\n${tail}`);
        throw completionFailure(child.stderr, exit.code ?? exit.signal, emitted !== "");
      }
      const { emit, stopped: hit } = stops.push(text);
      const rest = hit ? emit : emit + stops.flush();
      if (rest !== "") {
        firstTokenAt ??= performance.now();
        emitted += rest;
        yield rest;
      }
      stats.finishReason = hit || endOfText ? "stop" : "length";
      this.count(stats, child.stderr, { maxTokens: options.maxTokens, endOfText, text: emitted });
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (child !== undefined) {
        child.kill();
        await child.exited;
        this.running.delete(child);
      }
      await fs.rm(dir, { recursive: true, force: true });
      if (firstTokenAt !== undefined) {
        stats.timeToFirstTokenSeconds = (firstTokenAt - startedAt) / 1000;
        stats.generationSeconds = (performance.now() - firstTokenAt) / 1000;
      }
    }
  }

  embed(_inputs: readonly EmbeddingInput[]): Promise<Embeddings> {
    ensureNotDisposed(this.disposed);
    return Promise.reject(
      new DomainError("not_implemented", `Embeddings need the in-process runner (${settings.runner.name}=node); the llama.cpp binary runner does not compute them.`),
    );
  }

  private count(stats: GenerationResult, stderr: string, run: Parameters<typeof parseLlamaPerf>[1]): void {
    const counts = parseLlamaPerf(stderr, run);
    if (counts === undefined) return;
    stats.promptTokens = counts.promptTokens;
    stats.generatedTokens = counts.generatedTokens;
  }

  private disposed = false;

  /** Kills any run still going (shutdown); the runner holds nothing else. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const children = [...this.running];
    for (const child of children) child.kill();
    await Promise.all(children.map((child) => child.exited));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
