import type { ChatHistoryItem } from "node-llama-cpp";
import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { DomainError } from "../errors/DomainError.js";
import { buildConversationPrompt, buildPrompt, type BuiltPrompt } from "../llm/buildPrompt.js";
import { RecentReplies } from "../llm/RecentReplies.js";
import type { GenerateOptions, Runner } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { ChatMutex } from "../sessions/ChatMutex.js";
import { emptySession, type Session, type Turn } from "../sessions/Session.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import type { ModelHost } from "./ModelHost.js";
import { ReplyFormat, type ResponseFormat, type ToolsRequest } from "./ReplyFormat.js";
import { ReplyStream, type ReplyHooks } from "./ReplyStream.js";
import { replyPart } from "./replyPart.js";
import { TurnTracker, type TurnLifetime } from "./TurnTracker.js";

export interface ChatServiceDeps {
  config: Config;
  host: ModelHost;
  store: SessionStore;
  mutex: ChatMutex;
  metrics: Metrics;
  logger: Logger;
}

/** Sampling options and the client's side of a generation request's life. */
export interface GenerationRequest {
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
  stop?: readonly string[] | undefined;
  ignoreEos?: boolean | undefined;
  /** Aborts when the client goes away; timeout and shutdown are the service's own. */
  clientGone: AbortSignal;
  /** Called once the request is accepted for generation, before any token: where the rate limit counts. */
  admit?: () => Promise<void>;
  /** What the reply must be (JSON, tool calls); plain text by default. */
  format?: ReplyFormat | undefined;
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

/** What a turn holds until it ends, released in reverse order, once. */
class Holdings {
  private readonly releases: Array<() => void> = [];

  add(release: () => void): void {
    this.releases.push(release);
  }

  release(): void {
    for (const release of this.releases.splice(0).reverse()) release();
  }
}

/**
 * Chat turns and session changes, each under the chat's lock: the one place that reads a session, runs the
 * model on it and saves what came out. Routes only translate HTTP to these calls and back.
 */
export class ChatService {
  private readonly turns: TurnTracker;
  /** Stateless replies generated lately, so that a client resending one gets the tokens it was generated as. */
  private readonly recentReplies = new RecentReplies(256);

  constructor(private readonly deps: ChatServiceDeps) {
    this.turns = new TurnTracker(deps.config.requestTimeoutSeconds * 1000);
  }

  /** The prompt a turn would evaluate, exactly as the runner sees it; nothing is generated or stored. */
  async dryRun(chatId: string, message: string, maxTokens?: number): Promise<{ prompt: string; promptTokens: number }> {
    const runner = this.deps.host.require();
    const session = (await this.deps.store.get(chatId)) ?? emptySession();
    const built = buildPrompt(runner, session, message, maxTokens ?? this.deps.config.maxTokens);
    return { prompt: runner.showPrompt(built.prompt), promptTokens: built.promptTokens };
  }

  /** Starts a turn on a stored chat and waits for its first chunk; the turn is saved when the reply ends. */
  async startTurn(request: TurnRequest): Promise<ReplyStream> {
    const { config, store, mutex, metrics } = this.deps;
    const lifetime = this.turns.begin(request.clientGone);
    const held = new Holdings();
    held.add(() => lifetime.end());
    try {
      const runner = this.deps.host.require();
      if (mutex.users(request.chatId) > config.maxWaitingPerChat) {
        throw new DomainError(
          "chat_busy",
          `Chat '${request.chatId}' is busy: ${config.maxWaitingPerChat} requests are already waiting for it.`,
          { retryAfterSeconds: 5 },
        );
      }
      metrics.chatLockWaiting.inc();
      held.add(await mutex.acquire(request.chatId, lifetime.signal).finally(() => metrics.chatLockWaiting.dec()));
      const stored = (await store.get(request.chatId)) ?? emptySession();
      const session =
        request.systemPrompt === undefined || request.systemPrompt === stored.system_prompt
          ? stored
          : { ...stored, system_prompt: request.systemPrompt, windowStart: 0 };
      const built = buildPrompt(runner, session, request.message, request.maxTokens ?? config.maxTokens);
      return await this.generate(runner, built, request, lifetime, held, async (assistant, interrupted, tokens) => {
        // A turn that ended early is kept if it produced any text: nothing the client saw is lost.
        if (interrupted !== undefined && assistant === "") return;
        const turn: Turn = { user: request.message, assistant };
        if (interrupted !== undefined) turn.interrupted = interrupted;
        if (tokens !== undefined) turn.tokens = { model: runner.modelFingerprint, ids: [...tokens] };
        await store.set(request.chatId, { ...session, history: [...session.history, turn], windowStart: built.windowStart });
      });
    } catch (error) {
      held.release();
      throw error;
    }
  }

  /** A stateless completion over the conversation the client sent; nothing is stored. */
  async startCompletion(request: CompletionRequest): Promise<ReplyStream> {
    const lifetime = this.turns.begin(request.clientGone);
    const held = new Holdings();
    held.add(() => lifetime.end());
    try {
      const runner = this.deps.host.require();
      const maxTokens = request.maxTokens ?? this.deps.config.maxTokens;
      const format = request.format ?? ReplyFormat.text();
      const built = buildConversationPrompt(
        runner,
        request.messages,
        maxTokens,
        (context, part) => this.recentReplies.recall(context, part),
        format.functions,
      );
      return await this.generate(runner, built, request, lifetime, held, async (reply, interrupted, tokens) => {
        // What a stateless client will resend with its next request: this reply (text and calls), after these messages.
        if (interrupted !== undefined || tokens === undefined) return;
        this.recentReplies.remember(request.messages, replyPart(format.parse(reply)), { text: reply, tokens });
      });
    } catch (error) {
      held.release();
      throw error;
    }
  }

  /** Admits the request, starts the runner and waits for the first chunk; the stream then owns `held`. */
  private async generate(
    runner: Runner,
    built: BuiltPrompt,
    request: GenerationRequest,
    lifetime: TurnLifetime,
    held: Holdings,
    finished: ReplyHooks["finished"],
  ): Promise<ReplyStream> {
    const { config, metrics, logger } = this.deps;
    await request.admit?.();
    const seed = request.seed ?? config.seed;
    const format = request.format ?? ReplyFormat.text();
    const stop = [...(request.stop ?? []), ...format.stops];
    const options: GenerateOptions = {
      maxTokens: request.maxTokens ?? config.maxTokens,
      temperature: request.temperature ?? config.temperature,
      signal: lifetime.signal,
      ...(seed === undefined ? {} : { seed }),
      ...(request.topP === undefined ? {} : { topP: request.topP }),
      ...(stop.length === 0 ? {} : { stop }),
      ...(request.ignoreEos === undefined ? {} : { ignoreEos: request.ignoreEos }),
      ...(format.grammar === undefined ? {} : { grammar: format.grammar }),
    };
    return ReplyStream.start(runner.generate(built.prompt, options), built.promptTokens, {
      signal: lifetime.signal,
      logger,
      metrics,
      finished,
      release: () => held.release(),
    });
  }

  /**
   * Resolves what a reply must be against the served model (its chat template's tool-call syntax), before the
   * request is admitted: a schema the grammar cannot enforce is refused here.
   */
  replyFormat(spec: { responseFormat?: ResponseFormat | undefined; tools?: ToolsRequest | undefined }): ReplyFormat {
    if (spec.tools !== undefined) return ReplyFormat.tools(this.deps.host.require(), spec.tools);
    return spec.responseFormat === undefined ? ReplyFormat.text() : ReplyFormat.json(spec.responseFormat);
  }

  listChats(): Promise<string[]> {
    return this.deps.store.listIds();
  }

  /** A chat's stored session; not_found when there is none. */
  async session(chatId: string): Promise<Session> {
    const session = await this.deps.store.get(chatId);
    if (session === undefined) throw new DomainError("not_found", `Chat history '${chatId}' not found.`);
    return session;
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
      if (!(await this.deps.store.delete(chatId))) throw new DomainError("not_found", `Chat history '${chatId}' not found.`);
    } finally {
      release();
    }
  }

  /** Graceful shutdown of every generation request: see TurnTracker.drain. */
  drain(graceMs: number): Promise<void> {
    return this.turns.drain(graceMs);
  }
}
