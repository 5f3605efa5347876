import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { DomainError } from "../errors/DomainError.js";
import { buildPrompt, type BuiltPrompt } from "../llm/buildPrompt.js";
import type { Runner } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { ChatLock } from "../sessions/ChatLock.js";
import { emptyMeta, type ChatMeta, type Session, type Turn } from "../sessions/Session.js";
import type { ChatKey, ChatPage, SessionStore } from "../sessions/SessionStore.js";
import { AdmissionGate } from "./AdmissionGate.js";
import { CompletionService } from "./CompletionService.js";
import { Holdings } from "./Holdings.js";
import type { ModelHost } from "./ModelHost.js";
import type { ReplyStream } from "./ReplyStream.js";
import { startGeneration, type GenerationRequest } from "./startGeneration.js";
import { TurnTracker } from "./TurnTracker.js";

export type { GenerationRequest } from "./startGeneration.js";
export type { CompletionRequest, EmbeddingRequest, RawCompletionRequest } from "./CompletionService.js";

export interface ChatServiceDeps {
  config: Config;
  host: ModelHost;
  store: SessionStore;
  /** Per-chat locks: in-process, or leases shared by several replicas. */
  lock: ChatLock;
  metrics: Metrics;
  logger: Logger;
}

/** A turn of a stored chat: the session supplies the history and the turn is saved. */
export interface TurnRequest extends GenerationRequest, ChatKey {
  message: string;
  /** Replaces the session's system prompt (and is saved with the turn) when given. */
  systemPrompt?: string | undefined;
}

/** A turn's prompt and what its chat's meta becomes once the turn is stored at `index`. */
interface TurnPlan {
  built: BuiltPrompt;
  index: number;
  meta: ChatMeta;
}

/**
 * Chat turns and session changes, each under the chat's lock: the one place that reads a session, runs the
 * model on it and saves what came out. Routes only translate HTTP to these calls and back.
 */
export class ChatService {
  private readonly turns: TurnTracker;
  private readonly gate: AdmissionGate;

  constructor(private readonly deps: ChatServiceDeps) {
    this.turns = new TurnTracker(deps.config.requestTimeoutSeconds * 1000);
    this.gate = new AdmissionGate(() => deps.host.capacity);
    this.completions = new CompletionService(deps, this.turns, this.gate);
  }

  /** The prompt a turn would evaluate, exactly as the runner sees it; nothing is generated or stored. */
  async dryRun(key: ChatKey, message: string, maxTokens?: number): Promise<{ prompt: string; promptTokens: number }> {
    const runner = this.deps.host.require();
    const { built } = await this.plan(runner, key, message, maxTokens ?? this.deps.config.maxTokens, undefined);
    return { prompt: runner.showPrompt(built.prompt), promptTokens: built.promptTokens };
  }

  /** Starts a turn on a stored chat and waits for its first chunk; the turn is saved as the reply goes. */
  async startTurn(request: TurnRequest): Promise<ReplyStream> {
    const { config, store, lock, metrics } = this.deps;
    const key: ChatKey = { owner: request.owner, chatId: request.chatId };
    const held = new Holdings();
    // A lease lost while the turn runs ends it as a client gone would: nothing it does can be saved any more.
    const leaseLost = new AbortController();
    const lifetime = this.turns.begin(AbortSignal.any([request.clientGone, leaseLost.signal]));
    held.add(() => lifetime.end());
    let refund: (() => void) | undefined;
    try {
      const runner = this.deps.host.require();
      if ((await lock.users(lockName(key))) > config.maxWaitingPerChat) {
        throw new DomainError(
          "chat_busy",
          `Chat '${request.chatId}' is busy: ${config.maxWaitingPerChat} requests are already waiting for it.`,
          { retryAfterSeconds: 5 },
        );
      }
      refund = await request.admit?.();
      metrics.chatLockWaiting.inc();
      const lease = await lock.acquire(lockName(key), lifetime.signal).finally(() => metrics.chatLockWaiting.dec());
      held.add(() => lease.release());
      const { fence } = lease;
      // Taken off again when the turn ends: an in-process lease's signal is one that lives as long as the server.
      const onLost = () => leaseLost.abort();
      if (lease.lost.aborted) leaseLost.abort();
      else lease.lost.addEventListener("abort", onLost, { once: true });
      held.add(() => lease.lost.removeEventListener("abort", onLost));
      held.add(this.gate.enter());
      const maxTokens = request.maxTokens ?? config.maxTokens;
      const { built, index, meta } = await this.plan(runner, key, request.message, maxTokens, request.systemPrompt);
      const turnOf = (assistant: string): Turn => ({ user: request.message, assistant });
      return await startGeneration(this.deps, runner, built, request, lifetime, held, {
        // Marked "crash" while it runs: if the process dies, that is what it was; hidden from readers meanwhile.
        progress: (assistant) => store.saveTurn(key, index, { ...turnOf(assistant), interrupted: "crash" }, { ...meta, pending: index }, fence),
        finished: async (assistant, interrupted, tokens) => {
          // A turn that ended early is kept if it produced any text: nothing the client saw is lost.
          if (interrupted !== undefined && assistant === "") return;
          const turn = turnOf(assistant);
          if (interrupted !== undefined) turn.interrupted = interrupted;
          if (tokens !== undefined) turn.tokens = { model: runner.modelFingerprint, ids: [...tokens] };
          await store.saveTurn(key, index, turn, meta, fence);
        },
      });
    } catch (error) {
      refund?.();
      held.release();
      throw error;
    }
  }

  /** Stateless requests (no stored chat): completions over a conversation or a raw prompt, embeddings. */
  readonly completions: CompletionService;

  /**
   * Reads what the prompt needs (the window's turns, or all of them when the system prompt changes, which
   * starts the window again) and builds the prompt for the turn that will be stored next.
   */
  private async plan(runner: Runner, key: ChatKey, message: string, maxTokens: number, systemPrompt: string | undefined): Promise<TurnPlan> {
    const window = (await this.deps.store.window(key)) ?? { meta: emptyMeta(), turns: [] };
    const { meta } = window;
    const changed = systemPrompt !== undefined && systemPrompt !== meta.system_prompt;
    const turns = changed ? ((await this.deps.store.get(key))?.history ?? []) : window.turns;
    const windowStart = changed ? 0 : meta.windowStart;
    const system_prompt = changed ? systemPrompt : meta.system_prompt;
    const built = buildPrompt(runner, { system_prompt, history: turns }, message, maxTokens);
    return {
      built,
      index: meta.turnCount,
      // A pending turn left by a process that died stays, as it was saved: marked "crash".
      meta: { system_prompt, windowStart: windowStart + built.windowStart, turnCount: meta.turnCount + 1 },
    };
  }

  listChats(owner: string, page?: ChatPage): Promise<string[]> {
    return this.deps.store.listIds(owner, page);
  }

  /** A chat's stored session as its owner may see it; not_found when there is none. */
  async session(key: ChatKey): Promise<Session> {
    const [session, meta] = await Promise.all([this.deps.store.get(key), this.deps.store.meta(key)]);
    if (session === undefined) throw new DomainError("not_found", `Chat history '${key.chatId}' not found.`);
    // A reply still being generated is not part of the history yet; one whose process died is, as "crash".
    const running = meta?.pending !== undefined && (await this.deps.lock.users(lockName(key))) > 0;
    return running ? { ...session, history: session.history.filter((_, index) => index !== meta.pending) } : session;
  }

  async setSystemPrompt(key: ChatKey, systemPrompt: string | null): Promise<void> {
    const lease = await this.deps.lock.acquire(lockName(key));
    try {
      const meta = (await this.deps.store.meta(key)) ?? emptyMeta();
      await this.deps.store.setMeta(key, { ...meta, system_prompt: systemPrompt }, lease.fence);
    } finally {
      lease.release();
    }
  }

  async delete(key: ChatKey): Promise<void> {
    const lease = await this.deps.lock.acquire(lockName(key));
    try {
      if (!(await this.deps.store.delete(key, lease.fence))) throw new DomainError("not_found", `Chat history '${key.chatId}' not found.`);
    } finally {
      lease.release();
    }
  }

  /** Graceful shutdown of every generation request: see TurnTracker.drain. */
  drain(graceMs: number): Promise<void> {
    return this.turns.drain(graceMs);
  }
}

/** One lock per chat of one owner. */
const lockName = ({ owner, chatId }: ChatKey): string => `${owner}/${chatId}`;
