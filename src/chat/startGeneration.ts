import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import type { BuiltPrompt } from "../llm/buildPrompt.js";
import type { GenerateOptions, Runner } from "../llm/Runner.js";
import type { Metrics } from "../observability/Metrics.js";
import type { Holdings } from "./Holdings.js";
import { ReplyFormat } from "./ReplyFormat.js";
import { ReplyStream, type ReplyHooks } from "./ReplyStream.js";
import type { TurnLifetime } from "./TurnTracker.js";

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
  /** Resolves when the response has ended: true when the client got all of it (see ReplyHooks.delivered). */
  delivered?: Promise<boolean> | undefined;
  /**
   * Counts the request against the rate limit, before anything is done for it (so that a client over its
   * limit costs nothing), and returns how to give the count back: a request refused after all never counts.
   */
  admit?: () => Promise<() => void>;
  /** What the reply must be (JSON, tool calls); plain text by default. */
  format?: ReplyFormat | undefined;
}

/**
 * Starts the runner on an admitted request's prompt and waits for the first chunk; the stream then owns `held`.
 * The reply format adds its grammar and stop texts to the request's sampling options.
 */
export function startGeneration(
  deps: { config: Config; metrics: Metrics; logger: Logger },
  runner: Runner,
  built: BuiltPrompt,
  request: GenerationRequest,
  lifetime: TurnLifetime,
  held: Holdings,
  hooks: Pick<ReplyHooks, "finished" | "progress">,
): Promise<ReplyStream> {
  const { config, metrics, logger } = deps;
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
    ...hooks,
    signal: lifetime.signal,
    delivered: request.delivered,
    logger,
    metrics,
    release: () => held.release(),
  });
}
