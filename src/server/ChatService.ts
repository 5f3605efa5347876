import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { buildPrompt } from "../llm/buildPrompt.js";
import type { ModelHost } from "../llm/ModelHost.js";
import type { FinishReason, GenerateOptions, GenerationResult } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { ChatMutex } from "../sessions/ChatMutex.js";
import { emptySession, type Session, type Turn } from "../sessions/Session.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import { ModelUnavailableError, NotFoundError, TooManyRequestsError } from "./httpErrors.js";
import { interruptReasonOf } from "./requestSignal.js";

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
  /** Client gone, timeout or shutdown (see requestSignal). */
  signal: AbortSignal;
  /** Called once the turn is accepted for generation, before any token: where the rate limit counts. */
  admit?: () => Promise<void>;
  /** Called when the turn has ended and been saved (or not), whatever the outcome. */
  onEnd?: () => void;
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
    const { config, host, store, mutex } = this.deps;
    try {
      if (this.stopping.signal.aborted || this.draining) {
        throw new ModelUnavailableError("The server is shutting down.", 5);
      }
      const runner = host.require();
      if (mutex.users(request.chatId) > config.maxWaitingPerChat) {
        throw new TooManyRequestsError(
          `Chat '${request.chatId}' is busy: ${config.maxWaitingPerChat} requests are already waiting for it.`,
          5,
        );
      }
      this.deps.metrics.chatLockWaiting.inc();
      const release = await mutex
        .acquire(request.chatId, request.signal)
        .finally(() => this.deps.metrics.chatLockWaiting.dec());
      try {
        const session = (await store.get(request.chatId)) ?? emptySession();
        const maxTokens = request.maxTokens ?? config.maxTokens;
        const built = buildPrompt(runner, session, request.message, maxTokens);
        await request.admit?.();
        const seed = request.seed ?? config.seed;
        const options: GenerateOptions = {
          maxTokens,
          temperature: request.temperature ?? config.temperature,
          signal: request.signal,
          ...(seed === undefined ? {} : { seed }),
        };
        const generation = runner.generate(built.prompt, options);
        const iterator = generation[Symbol.asyncIterator]();
        this.deps.metrics.inFlight.inc();
        let first: IteratorResult<string>;
        try {
          first = await iterator.next();
        } catch (error) {
          this.deps.metrics.inFlight.dec();
          throw interruptReasonOf(request.signal) !== undefined ? request.signal.reason : error;
        }
        let ended!: () => void;
        const activeTurn = new Promise<void>((resolve) => (ended = resolve));
        this.active.add(activeTurn);
        const chunks = this.streamAndSave(first, iterator, generation.result, {
          chatId: request.chatId,
          session,
          windowStart: built.windowStart,
          message: request.message,
          signal: request.signal,
          release,
          end: () => {
            this.active.delete(activeTurn);
            ended();
            request.onEnd?.();
          },
        });
        return { chunks, result: generation.result, promptTokens: built.promptTokens };
      } catch (error) {
        release();
        throw error;
      }
    } catch (error) {
      request.onEnd?.();
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
      end: () => void;
    },
  ): AsyncGenerator<string, void, undefined> {
    let reply = "";
    let failure: unknown;
    let completed = false;
    try {
      let next = first;
      while (next.done !== true) {
        reply += next.value;
        yield next.value;
        next = await rest.next();
      }
      completed = true;
    } catch (error) {
      failure = error;
      this.deps.logger.error({ err: error, chatId: turn.chatId }, "generation failed after the reply had started");
      throw error;
    } finally {
      // Reached on the last chunk, on a runner failure, and when the consumer stops reading (client gone).
      await rest.return?.();
      const outcome = await result.then((value) => value, () => undefined);
      this.deps.metrics.inFlight.dec();
      if (outcome !== undefined) this.record(outcome);
      const interrupted = interruptionReason(completed, failure, outcome?.finishReason, turn.signal);
      try {
        // A turn that ended early is kept if it produced any text: nothing the client saw is lost.
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
        turn.end();
      }
      // A reply cut short by timeout or shutdown must not look complete: failing the stream makes the
      // response end without its terminating chunk, so the client sees a truncated transfer.
      if (completed && interrupted !== undefined && interrupted !== "client_disconnected") {
        throw turn.signal.reason;
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

/**
 * Why a reply ended early, or undefined when it ran to its end. `completed` says the stream was read to its
 * last chunk; a consumer that stopped reading (the client went away) leaves it false.
 */
function interruptionReason(completed: boolean, failure: unknown, finish: FinishReason | undefined, signal: AbortSignal) {
  const aborted = interruptReasonOf(signal);
  if (completed && finish !== "abort") return undefined;
  if (failure !== undefined && aborted === undefined) return "error";
  return aborted ?? "client_disconnected";
}
