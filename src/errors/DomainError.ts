/**
 * What went wrong, named by the layer that found it. The model, store and chat layers throw these and know no
 * status codes; `src/server/errorTable.ts` maps each kind to an HTTP status and an OpenAI error type, in one
 * place (as ollama's scheduler owns ErrMaxQueue and its routes map it).
 */
export type ErrorKind =
  /** The request is malformed or asks for something impossible (the param names the field). */
  | "invalid_request"
  /** The prompt does not fit the context, even with the oldest turns left out. */
  | "prompt_too_long"
  | "not_found"
  /** GET /v1/models/{id} for a model this server does not serve. */
  | "model_not_found"
  /** Too many requests are already waiting for this chat. */
  | "chat_busy"
  /** Too many requests are already waiting for the model. */
  | "queue_full"
  /** The model is still loading, failed to load, or has been unloaded. */
  | "model_unavailable"
  | "shutting_down"
  /** The request ended (client gone, timeout, shutdown) before its reply started. */
  | "interrupted"
  /** The runner could not be started (e.g. the llama.cpp binary is missing). */
  | "runner_unavailable"
  /** The runner failed (e.g. the llama.cpp binary exited with an error). */
  | "runner_failed"
  | "unauthorized"
  | "rate_limited"
  | "payload_too_large"
  | "unsupported_media_type"
  | "method_not_allowed"
  /** The request names a host this server does not answer for (DNS rebinding). */
  | "misdirected_request"
  | "not_implemented"
  /** The shared state (Redis, with REDIS_URL set) cannot be reached: nothing was done, try again shortly. */
  | "store_unavailable"
  /** The chat's lease ran out while this replica held it (paused, partitioned): its save was refused. */
  | "lease_lost";

export interface DomainErrorOptions {
  /** The request field at fault (OpenAI's error shape reports it as `param`). */
  param?: string | undefined;
  /** When the client may try again, for refusals that pass. */
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/** An error whose message is written for the client: it never holds a path, a stack trace or a secret. */
export class DomainError extends Error {
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
