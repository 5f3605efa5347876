import type { ErrorKind } from "../errors/DomainError.js";

export interface ErrorMapping {
  status: number;
  /** OpenAI's error `type` and `code` for this kind, as its API uses them. */
  type: "invalid_request_error" | "authentication_error" | "rate_limit_error" | "server_error";
  code: string | null;
}

/** Every domain error kind as HTTP: the one table (llama.cpp's server keeps it in one switch, format_error_response). */
export const ERROR_TABLE = {
  invalid_request: { status: 400, type: "invalid_request_error", code: null },
  prompt_too_long: { status: 400, type: "invalid_request_error", code: "context_length_exceeded" },
  unauthorized: { status: 401, type: "authentication_error", code: "invalid_api_key" },
  not_found: { status: 404, type: "invalid_request_error", code: "not_found" },
  model_not_found: { status: 404, type: "invalid_request_error", code: "model_not_found" },
  method_not_allowed: { status: 405, type: "invalid_request_error", code: "method_not_allowed" },
  misdirected_request: { status: 421, type: "invalid_request_error", code: "misdirected_request" },
  payload_too_large: { status: 413, type: "invalid_request_error", code: "payload_too_large" },
  unsupported_media_type: { status: 415, type: "invalid_request_error", code: "unsupported_media_type" },
  rate_limited: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" },
  chat_busy: { status: 429, type: "rate_limit_error", code: "chat_busy" },
  not_implemented: { status: 501, type: "server_error", code: "not_implemented" },
  runner_failed: { status: 502, type: "server_error", code: "runner_failed" },
  model_unavailable: { status: 503, type: "server_error", code: "service_unavailable" },
  queue_full: { status: 503, type: "server_error", code: "service_unavailable" },
  shutting_down: { status: 503, type: "server_error", code: "service_unavailable" },
  interrupted: { status: 503, type: "server_error", code: "service_unavailable" },
  runner_unavailable: { status: 503, type: "server_error", code: "service_unavailable" },
  store_unavailable: { status: 503, type: "server_error", code: "service_unavailable" },
  lease_lost: { status: 503, type: "server_error", code: "service_unavailable" },
} as const satisfies Record<ErrorKind, ErrorMapping>;

/** Anything that is not a DomainError: a bug or a library failure, never described to the client. */
export const INTERNAL_ERROR: ErrorMapping = { status: 500, type: "server_error", code: "internal_error" };
