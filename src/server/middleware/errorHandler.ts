import type { Middleware } from "koa";
import type { Logger } from "pino";
import { BadRequestError, HttpError } from "../httpErrors.js";

/**
 * The one place that writes error bodies. Seed routes keep FastAPI's `{"detail": ...}`; routes under /v1 answer
 * in OpenAI's shape, so that OpenAI SDKs raise their typed errors. Errors that are not ours (or say
 * `expose: false`) become a generic 500, so no stack trace or path ever reaches a client.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, "Not Found");
      }
    } catch (error) {
      const { status, message, headers, param } = describe(error);
      if (status >= 500) logger.error({ err: error, requestId: ctx.state["requestId"] }, "request failed");
      if (ctx.headerSent) {
        // Too late for a JSON body: end the socket so the client sees a truncated transfer, not a clean end.
        ctx.res.destroy();
        return;
      }
      ctx.set(headers);
      ctx.status = status;
      ctx.body = ctx.path.startsWith("/v1/") ? openAiError(status, message, param) : { detail: message };
    }
  };
}

interface Described {
  status: number;
  message: string;
  headers: Record<string, string>;
  param: string | null;
}

function describe(error: unknown): Described {
  if (error instanceof HttpError) {
    const param = error instanceof BadRequestError ? (error.param ?? null) : null;
    return { status: error.status, message: error.message, headers: error.headers, param };
  }
  // The body parser, Koa's ctx.throw and koa-ratelimit throw http-errors: `status`, `expose`, `headers`.
  const candidate = error as { status?: unknown; expose?: unknown; message?: unknown; headers?: unknown } | null;
  const status = typeof candidate?.status === "number" ? candidate.status : 500;
  if (status < 500 && candidate?.expose === true && typeof candidate.message === "string") {
    const headers = Object.fromEntries(
      Object.entries((candidate.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
    );
    return { status, message: candidate.message, headers, param: null };
  }
  return {
    status: status < 500 ? status : 500,
    message: status < 500 ? "Bad request" : "Internal server error",
    headers: {},
    param: null,
  };
}

/** OpenAI's error object: `type` and `code` as its API uses them for each status. */
function openAiError(status: number, message: string, param: string | null) {
  const [type, code] =
    status === 401
      ? ["authentication_error", "invalid_api_key"]
      : status === 404
        ? ["invalid_request_error", "not_found"]
        : status === 429
          ? ["rate_limit_error", "rate_limit_exceeded"]
          : status >= 500
            ? ["server_error", status === 503 ? "service_unavailable" : "internal_error"]
            : ["invalid_request_error", null];
  return { error: { message, type, param, code } };
}
