import type { ChatHistoryItem } from "node-llama-cpp";
import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import { buildConversationPrompt } from "../llm/buildPrompt.js";
import { buildRawPrompt } from "../llm/buildRawPrompt.js";
import { RecentReplies } from "../llm/RecentReplies.js";
import type { EmbeddingInput, Embeddings, Runner } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { AdmissionGate } from "./AdmissionGate.js";
import { Holdings } from "./Holdings.js";
import type { ModelHost } from "./ModelHost.js";
import { ReplyFormat, type ResponseFormat, type ToolsRequest } from "./ReplyFormat.js";
import { replyPart } from "./replyPart.js";
import type { ReplyStream } from "./ReplyStream.js";
import { startGeneration, type GenerationRequest } from "./startGeneration.js";
import { stopReasonOf } from "./TurnInterrupted.js";
import type { TurnLifetime, TurnTracker } from "./TurnTracker.js";

/** A stateless completion: `messages` is the whole conversation and nothing is stored. */
export interface CompletionRequest extends GenerationRequest {
  messages: readonly ChatHistoryItem[];
}

/** A completion of a raw prompt, written as the model reads it (no chat template). */
export interface RawCompletionRequest extends GenerationRequest {
  prompt: string;
}

/** Embeddings of texts or token lists. */
export interface EmbeddingRequest extends Pick<GenerationRequest, "clientGone" | "admit"> {
  inputs: readonly EmbeddingInput[];
}

export interface CompletionServiceDeps {
  config: Config;
  host: ModelHost;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Requests that store nothing: chat completions over the conversation the client sent, completions of a raw
 * prompt, embeddings. They share the chat turns' tracker (timeout, shutdown, client gone) and admission gate.
 */
export class CompletionService {
  /** Stateless replies generated lately, so that a client resending one gets the tokens it was generated as. */
  private readonly recentReplies = new RecentReplies(256);

  constructor(
    private readonly deps: CompletionServiceDeps,
    private readonly turns: TurnTracker,
    private readonly gate: AdmissionGate,
  ) {}

  /**
   * Resolves what a reply must be against the served model (its chat template's tool-call syntax), before the
   * request is admitted: a schema the grammar cannot enforce is refused here.
   */
  replyFormat(spec: { responseFormat?: ResponseFormat | undefined; tools?: ToolsRequest | undefined }): ReplyFormat {
    if (spec.tools !== undefined) return ReplyFormat.tools(this.deps.host.require(), spec.tools);
    return spec.responseFormat === undefined ? ReplyFormat.text() : ReplyFormat.json(spec.responseFormat);
  }

  /** A completion over the conversation the client sent; nothing is stored. */
  startCompletion(request: CompletionRequest): Promise<ReplyStream> {
    return this.admitted(request, async (runner, lifetime, held) => {
      const format = request.format ?? ReplyFormat.text();
      const built = buildConversationPrompt(
        runner,
        request.messages,
        request.maxTokens ?? this.deps.config.maxTokens,
        (context, part) => this.recentReplies.recall(context, part),
        format.functions,
      );
      return startGeneration(this.deps, runner, built, request, lifetime, held, {
        finished: async (reply, interrupted, tokens) => {
          // What a stateless client will resend with its next request: this reply (text and calls), after these messages.
          if (interrupted !== undefined || tokens === undefined) return;
          this.recentReplies.remember(request.messages, replyPart(format.parse(reply)), { text: reply, tokens });
        },
      });
    });
  }

  /** A completion of a raw prompt (no chat template); nothing is stored. */
  startRawCompletion(request: RawCompletionRequest): Promise<ReplyStream> {
    return this.admitted(request, (runner, lifetime, held) => {
      const built = buildRawPrompt(runner, request.prompt, request.maxTokens ?? this.deps.config.maxTokens);
      return startGeneration(this.deps, runner, built, request, lifetime, held, { finished: async () => undefined });
    });
  }

  /** Embeddings of the inputs, admitted, limited and cut short like a generation. */
  embed(request: EmbeddingRequest): Promise<Embeddings> {
    return this.admitted(request, async (runner, lifetime, held) => {
      try {
        const embeddings = await runner.embed(request.inputs, lifetime.signal);
        this.deps.metrics.promptTokens.inc(embeddings.promptTokens);
        return embeddings;
      } catch (error) {
        throw stopReasonOf(lifetime.signal) === undefined ? error : lifetime.signal.reason;
      } finally {
        held.release();
      }
    });
  }

  /**
   * The admission every request here goes through: tracked, counted against the rate limit (given back when
   * it is refused after all), through the admission gate. `work` owns `held` once it returns (a reply stream
   * releases it when it ends); on a failure it is released here.
   */
  private async admitted<T>(
    request: Pick<GenerationRequest, "clientGone" | "admit">,
    work: (runner: Runner, lifetime: TurnLifetime, held: Holdings) => Promise<T>,
  ): Promise<T> {
    const held = new Holdings();
    const lifetime = this.turns.begin(request.clientGone);
    held.add(() => lifetime.end());
    let refund: (() => void) | undefined;
    try {
      const runner = this.deps.host.require();
      refund = await request.admit?.();
      held.add(this.gate.enter());
      return await work(runner, lifetime, held);
    } catch (error) {
      refund?.();
      held.release();
      throw error;
    }
  }
}
