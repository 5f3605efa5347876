import type { ChatWrapper, Token } from "node-llama-cpp";
import type { Prompt } from "./Prompt.js";

/** Why a reply ended: the model's end-of-generation or a stop string, the token limit, or an abort. */
export type FinishReason = "stop" | "length" | "abort";

export interface GenerateOptions {
  /** Most tokens to generate. */
  maxTokens: number;
  temperature: number;
  topP?: number;
  /** Sampling seed; a random one when absent. */
  seed?: number;
  /** Stop before any of these strings; the string itself is not returned. */
  stop?: readonly string[];
  /** Keep generating past end-of-generation tokens (benchmarks use it for replies of a fixed length). */
  ignoreEos?: boolean;
  /** Client gone, timeout or shutdown: generation stops and the stream ends with finish reason "abort". */
  signal?: AbortSignal;
  /** Constrains the reply to a grammar while it is sampled (structured output, tool calls). */
  grammar?: GenerationGrammar;
}

/** A GBNF grammar (see src/llm/grammar) for a reply; it ends once the grammar is complete. */
export interface GenerationGrammar {
  gbnf: string;
  /**
   * Unset: the grammar constrains the reply from its first token. Set: the reply is free text until one of
   * these texts appears, and the grammar constrains what follows it (llama.cpp's "lazy" grammars). Runners
   * whose `lazyGrammar` is false generate such a reply unconstrained; the caller checks what came out.
   */
  triggers?: readonly string[];
}

export interface GenerationResult {
  finishReason: FinishReason;
  /** Tokens in the whole prompt. */
  promptTokens: number;
  /** Prompt tokens reused from a cache rather than evaluated. */
  cachedTokens: number;
  generatedTokens: number;
  /** Seconds from the call until the first text chunk (undefined when none came). */
  timeToFirstTokenSeconds?: number;
  /** Seconds spent generating after the first token. */
  generationSeconds: number;
  /** Seconds spent waiting for a free sequence. */
  queueSeconds?: number;
  /** Seconds spent evaluating the prompt (the part not reused from the cache). */
  promptSeconds?: number;
  /**
   * The generated tokens, when they are exactly the text that was returned (not cut by a stop string and
   * from a runner that knows its tokens): stored with the turn so the next prompt reuses them.
   */
  tokens?: readonly Token[];
}

/** Text, or token ids, to embed. */
export type EmbeddingInput = string | readonly number[];

export interface Embeddings {
  /** One unit-length vector per input, in order. */
  vectors: number[][];
  /** Tokens evaluated, all inputs together. */
  promptTokens: number;
}

/** Text chunks as they are generated; `result` resolves once the stream has ended (or failed). */
export interface Generation extends AsyncIterable<string> {
  readonly result: Promise<GenerationResult>;
}

/**
 * Where generation happens: in-process on node-llama-cpp, or a llama.cpp binary spawned per request. After
 * `dispose()` (idempotent; also `await using`) every call is refused with model_unavailable.
 */
export interface Runner extends AsyncDisposable {
  /** "node" for the in-process runner, "cli" for the llama.cpp binary. */
  readonly kind: string;
  /** Model file name (never a path). */
  readonly modelName: string;
  /** Identifies the model's exact file, so that stored token ids are only ever used with the model they came from. */
  readonly modelFingerprint: string;
  /** Tokens per sequence; prompt plus reply must fit. */
  readonly contextSize: number;
  /** Requests waiting for the model (runners that queue). */
  readonly queueDepth?: number;
  /** Requests the runner takes at once, generating and waiting for it; more are refused before any work. */
  readonly capacity?: number;
  /** The chat template, resolved from the model's own metadata. */
  readonly chatWrapper: ChatWrapper;
  /** Whether the model's tokenizer adds a BOS token in front of a prompt (raw completions start with it). */
  readonly addsBos: boolean;
  /** Whether a grammar with triggers is honoured (else that reply is generated unconstrained). */
  readonly lazyGrammar: boolean;
  /** Tokens the prompt is evaluated as, or a safe upper bound. */
  countTokens(prompt: Prompt): number;
  /** The prompt exactly as the runner evaluates it, special tokens written as their vocabulary text. */
  showPrompt(prompt: Prompt): string;
  generate(prompt: Prompt, options: GenerateOptions): Generation;
  /**
   * Embeddings of the inputs from the loaded model; an input longer than the embedding context is a
   * prompt_too_long, and runners that cannot embed refuse with not_implemented.
   */
  embed(inputs: readonly EmbeddingInput[], signal?: AbortSignal): Promise<Embeddings>;
  dispose(): Promise<void>;
}
