import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { buildPrompt } from "../llm/buildPrompt.js";
import type { ModelHost } from "../llm/ModelHost.js";
import type { GenerateOptions, GenerationResult } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { ChatMutex } from "../sessions/ChatMutex.js";
import { emptySession, type Session, type Turn } from "../sessions/Session.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import { NotFoundError } from "./httpErrors.js";

export interface ChatServiceDeps {
  config: Config;
  host: ModelHost;
  store: SessionStore;
  mutex: ChatMutex;
  metrics: Metrics;
  logger: Logger;
}

export interface TurnRequest {
  chatId: string;
  message: string;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  seed?: number | undefined;
  /** Fires when the client goes away (or, later, on timeout and shutdown). */
  signal: AbortSignal;
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
  constructor(private readonly deps: ChatServiceDeps) {}

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
    const { config, host, store, mutex } = this.deps;
    const runner = host.require();
    const release = await mutex.acquire(request.chatId, request.signal);
    try {
      const session = (await store.get(request.chatId)) ?? emptySession();
      const maxTokens = request.maxTokens ?? config.maxTokens;
      const built = buildPrompt(runner, session, request.message, maxTokens);
      const options: GenerateOptions = {
        maxTokens,
        temperature: request.temperature ?? config.temperature,
        signal: request.signal,
        ...(request.seed ?? config.seed) !== undefined ? { seed: (request.seed ?? config.seed) as number } : {},
      };
      const generation = runner.generate(built.prompt, options);
      const iterator = generation[Symbol.asyncIterator]();
      this.deps.metrics.inFlight.inc();
      let first: IteratorResult<string>;
      try {
        first = await iterator.next();
      } catch (error) {
        this.deps.metrics.inFlight.dec();
        throw error;
      }
      const chunks = this.streamAndSave(first, iterator, generation.result, {
        chatId: request.chatId,
        session,
        windowStart: built.windowStart,
        message: request.message,
        signal: request.signal,
        release,
      });
      return { chunks, result: generation.result, promptTokens: built.promptTokens };
    } catch (error) {
      release();
      throw error;
    }
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

  private async *streamAndSave(
    first: IteratorResult<string>,
    rest: AsyncIterator<string>,
    result: Promise<GenerationResult>,
    turn: {
      chatId: string;
      session: Session;
      windowStart: number;
      message: string;
      signal: AbortSignal;
      release: () => void;
    },
  ): AsyncGenerator<string, void, undefined> {
    let reply = "";
    let failure: unknown;
    try {
      let next = first;
      while (next.done !== true) {
        reply += next.value;
        yield next.value;
        next = await rest.next();
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // Reached on the last chunk, on a runner failure, and when the consumer stops reading (client gone).
      await rest.return?.();
      const outcome = await result.then((value) => value, () => undefined);
      this.deps.metrics.inFlight.dec();
      if (outcome !== undefined) this.record(outcome);
      const interrupted = interruptionReason(failure, outcome, turn.signal);
      try {
        if (interrupted === undefined || reply !== "") {
          const saved: Turn = { user: turn.message, assistant: reply };
          if (interrupted !== undefined) saved.interrupted = interrupted;
          await this.deps.store.set(turn.chatId, {
            ...turn.session,
            history: [...turn.session.history, saved],
            windowStart: turn.windowStart,
          });
        }
      } catch (error) {
        this.deps.logger.error({ err: error, chatId: turn.chatId }, "could not save the turn");
      } finally {
        turn.release();
      }
    }
  }

  private record(outcome: GenerationResult): void {
    const { metrics } = this.deps;
    metrics.promptTokens.inc(outcome.promptTokens);
    metrics.generatedTokens.inc(outcome.generatedTokens);
    if (outcome.timeToFirstTokenSeconds !== undefined) metrics.timeToFirstToken.observe(outcome.timeToFirstTokenSeconds);
    if (outcome.generationSeconds > 0 && outcome.generatedTokens > 1) {
      metrics.tokensPerSecond.observe((outcome.generatedTokens - 1) / outcome.generationSeconds);
    }
  }
}

/** Why a reply ended early, or undefined when it ended normally. */
function interruptionReason(
  failure: unknown,
  outcome: GenerationResult | undefined,
  signal: AbortSignal,
): string | undefined {
  if (failure !== undefined || outcome === undefined) return "error";
  if (signal.aborted || outcome.finishReason === "abort") return "client_disconnected";
  return undefined;
}
