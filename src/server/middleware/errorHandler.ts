import type { Middleware } from "koa";
import type { Logger } from "pino";
import { HttpError } from "../httpErrors.js";

/**
 * The one place that writes error bodies: FastAPI's `{"detail": ...}` shape, as the seed API had. Errors that are
 * not ours (or say `expose: false`) become a generic 500 so no stack trace or path ever reaches a client.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, "Not Found");
      }
    } catch (error) {
      const { status, message, headers } = describe(error);
      if (status >= 500) logger.error({ err: error, requestId: ctx.state["requestId"] }, "request failed");
      if (ctx.headerSent) {
        // Too late for a JSON body: end the socket so the client sees a truncated transfer, not a clean end.
        ctx.res.destroy();
        return;
      }
      ctx.set(headers);
      ctx.status = status;
      ctx.body = { detail: message };
    }
  };
}

function describe(error: unknown): { status: number; message: string; headers: Record<string, string> } {
  if (error instanceof HttpError) return { status: error.status, message: error.message, headers: error.headers };
  // The body parser, Koa's ctx.throw and koa-ratelimit throw http-errors: `status`, `expose`, `headers`.
  const candidate = error as { status?: unknown; expose?: unknown; message?: unknown; headers?: unknown } | null;
  const status = typeof candidate?.status === "number" ? candidate.status : 500;
  if (status < 500 && candidate?.expose === true && typeof candidate.message === "string") {
    const headers = Object.fromEntries(
      Object.entries((candidate.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
    );
    return { status, message: candidate.message, headers };
  }
  return { status: status < 500 ? status : 500, message: status < 500 ? "Bad request" : "Internal server error", headers: {} };
}
