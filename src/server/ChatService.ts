import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import type { ChatHistoryItem, Token } from "node-llama-cpp";
import type { Prompt } from "../llm/Prompt.js";
import { RecentReplies } from "../llm/RecentReplies.js";
import { buildConversationPrompt, buildPrompt } from "../llm/buildPrompt.js";
import type { ModelHost } from "../llm/ModelHost.js";
import type { GenerateOptions, GenerationResult, Runner } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { ChatMutex } from "../sessions/ChatMutex.js";
import { emptySession, type Turn } from "../sessions/Session.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import { ModelUnavailableError, NotFoundError, TooManyRequestsError } from "./httpErrors.js";
import { interruptReasonOf } from "./requestSignal.js";
import { streamAndSave } from "./streamAndSave.js";

export interface ChatServiceDeps {
  config: Config;
  host: ModelHost;
  store: SessionStore;
  mutex: ChatMutex;
  metrics: Metrics;
  logger: Logger;
}

/** Sampling and lifetime options shared by every kind of generation request. */
export interface GenerationRequest {
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
  stop?: readonly string[] | undefined;
  ignoreEos?: boolean | undefined;
  /** Client gone, timeout or shutdown (see requestSignal). */
  signal: AbortSignal;
  /** Called once the request is accepted for generation, before any token: where the rate limit counts. */
  admit?: () => Promise<void>;
  /** Called when the reply has ended and been saved (or not), whatever the outcome. */
  onEnd?: () => void;
}

/** A turn of a stored chat: the session supplies the history and the turn is saved. */
export interface TurnRequest extends GenerationRequest {
  chatId: string;
  message: string;
  /** Replaces the session's system prompt (and is saved with the turn) when given. */
  systemPrompt?: string | undefined;
}

/** A stateless completion: `messages` is the whole conversation and nothing is stored. */
export interface CompletionRequest extends GenerationRequest {
  messages: readonly ChatHistoryItem[];
}

/** A reply being generated: read `chunks` to the end (or stop early); the turn is saved when it ends. */
export interface TurnStream {
  chunks: AsyncGenerator<string, void, undefined>;
  result: Promise<GenerationResult>;
  promptTokens: number;
}

/**
 * Chat turns and session changes, each under the chat's lock: the one place that reads a session, runs the
 * model on it and saves what came out. Routes only translate HTTP to these calls and back.
 */
export class ChatService {
  private readonly active = new Set<Promise<void>>();
  /** Stateless replies generated lately, so that a client resending one gets the tokens it was generated as. */
  private readonly recentReplies = new RecentReplies(256);
  private readonly stopping = new AbortController();

  constructor(private readonly deps: ChatServiceDeps) {}

  /** Aborts every turn still running when shutdown's grace period ends. */
  get shutdownSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** The prompt a turn would evaluate, exactly as the runner sees it; nothing is generated or stored. */
  async dryRun(chatId: string, message: string, maxTokens?: number): Promise<{ prompt: string; promptTokens: number }> {
    const runner = this.deps.host.require();
    const session = (await this.deps.store.get(chatId)) ?? emptySession();
    const built = buildPrompt(runner, session, message, maxTokens ?? this.deps.config.maxTokens);
    return { prompt: runner.showPrompt(built.prompt), promptTokens: built.promptTokens };
  }

  /**
   * Starts a turn and waits for its first chunk, so that a failure before any text is an ordinary error
   * (a JSON response, nothing stored) rather than a broken stream.
   */
  async startTurn(request: TurnRequest): Promise<TurnStream> {
    const { config, store, mutex, metrics } = this.deps;
    try {
      const runner = this.acceptingRunner();
      if (mutex.users(request.chatId) > config.maxWaitingPerChat) {
        throw new TooManyRequestsError(
          `Chat '${request.chatId}' is busy: ${config.maxWaitingPerChat} requests are already waiting for it.`,
          5,
        );
      }
      metrics.chatLockWaiting.inc();
      const release = await mutex.acquire(request.chatId, request.signal).finally(() => metrics.chatLockWaiting.dec());
      try {
        const stored = (await store.get(request.chatId)) ?? emptySession();
        const session =
          request.systemPrompt === undefined || request.systemPrompt === stored.system_prompt
            ? stored
            : { ...stored, system_prompt: request.systemPrompt, windowStart: 0 };
        const built = buildPrompt(runner, session, request.message, request.maxTokens ?? config.maxTokens);
        return await this.generate(runner, built.prompt, built.promptTokens, request, {
          release,
          save: async (assistant, interrupted, tokens) => {
            const turn: Turn = { user: request.message, assistant };
            if (interrupted !== undefined) turn.interrupted = interrupted;
            if (tokens !== undefined) turn.tokens = { model: runner.modelFingerprint, ids: [...tokens] };
            await store.set(request.chatId, {
              ...session,
              history: [...session.history, turn],
              windowStart: built.windowStart,
            });
          },
        });
      } catch (error) {
        release();
        throw error;
      }
    } catch (error) {
      request.onEnd?.();
      throw error;
    }
  }

  /** A stateless completion over the conversation the client sent; nothing is stored. */
  async startCompletion(request: CompletionRequest): Promise<TurnStream> {
    try {
      const runner = this.acceptingRunner();
      const maxTokens = request.maxTokens ?? this.deps.config.maxTokens;
      const built = buildConversationPrompt(runner, request.messages, maxTokens, (context, reply) =>
        this.recentReplies.recall(context, reply),
      );
      return await this.generate(runner, built.prompt, built.promptTokens, request, {
        // What a stateless client will resend with its next request: this reply, after these messages.
        remember: (reply, tokens) => this.recentReplies.remember(request.messages, reply, tokens),
      });
    } catch (error) {
      request.onEnd?.();
      throw error;
    }
  }

  private acceptingRunner(): Runner {
    if (this.draining) throw new ModelUnavailableError("The server is shutting down.", 5);
    return this.deps.host.require();
  }

  /**
   * Runs the model and waits for the first chunk, so that a failure before any text is an ordinary error
   * (a JSON response, nothing stored) rather than a broken stream.
   */
  private async generate(
    runner: Runner,
    prompt: Prompt,
    promptTokens: number,
    request: GenerationRequest,
    hooks: {
      release?: () => void;
      save?: (reply: string, interrupted: string | undefined, tokens: readonly Token[] | undefined) => Promise<void>;
      remember?: (reply: string, tokens: readonly Token[]) => void;
    },
  ): Promise<TurnStream> {
    const { config, metrics } = this.deps;
    await request.admit?.();
    const seed = request.seed ?? config.seed;
    const options: GenerateOptions = {
      maxTokens: request.maxTokens ?? config.maxTokens,
      temperature: request.temperature ?? config.temperature,
      signal: request.signal,
      ...(seed === undefined ? {} : { seed }),
      ...(request.topP === undefined ? {} : { topP: request.topP }),
      ...(request.stop === undefined ? {} : { stop: request.stop }),
      ...(request.ignoreEos === undefined ? {} : { ignoreEos: request.ignoreEos }),
    };
    const generation = runner.generate(prompt, options);
    const iterator = generation[Symbol.asyncIterator]();
    metrics.inFlight.inc();
    let first: IteratorResult<string>;
    try {
      first = await iterator.next();
    } catch (error) {
      metrics.inFlight.dec();
      throw interruptReasonOf(request.signal) !== undefined ? request.signal.reason : error;
    }
    let ended!: () => void;
    const activeTurn = new Promise<void>((resolve) => (ended = resolve));
    this.active.add(activeTurn);
    const chunks = streamAndSave(first, iterator, generation.result, {
      signal: request.signal,
      logger: this.deps.logger,
      finished: async (reply, interrupted, outcome) => {
        metrics.inFlight.dec();
        if (outcome !== undefined) metrics.recordGeneration(outcome);
        // Only a reply that ran to its end keeps its tokens: an interrupted one is re-evaluated as text.
        const tokens = interrupted === undefined ? outcome?.tokens : undefined;
        if (tokens !== undefined) hooks.remember?.(reply, tokens);
        // A turn that ended early is kept if it produced any text: nothing the client saw is lost.
        if (interrupted === undefined || reply !== "") await hooks.save?.(reply, interrupted, tokens);
      },
      end: () => {
        hooks.release?.();
        this.active.delete(activeTurn);
        ended();
        request.onEnd?.();
      },
    });
    return { chunks, result: generation.result, promptTokens };
  }

  async setSystemPrompt(chatId: string, systemPrompt: string | null): Promise<void> {
    const release = await this.deps.mutex.acquire(chatId);
    try {
      const session = (await this.deps.store.get(chatId)) ?? emptySession();
      await this.deps.store.set(chatId, { ...session, system_prompt: systemPrompt });
    } finally {
      release();
    }
  }

  async delete(chatId: string): Promise<void> {
    const release = await this.deps.mutex.acquire(chatId);
    try {
      if (!(await this.deps.store.delete(chatId))) throw new NotFoundError(`Chat history '${chatId}' not found.`);
    } finally {
      release();
    }
  }

  private draining = false;

  /**
   * Refuses new turns, lets running ones finish for up to `graceMs`, then aborts the rest (their partial
   * replies are saved, marked interrupted) and waits until every one of them has been saved.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.active), graceOver]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.all(this.active);
  }
}
