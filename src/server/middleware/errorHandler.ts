import type { Middleware } from "koa";
import type { Logger } from "pino";
import { DomainError } from "../../errors/DomainError.js";
import { ERROR_TABLE, INTERNAL_ERROR } from "../errorTable.js";
import { pauseRefusedConnection } from "../pauseRefusedConnection.js";
import type { RequestFacts } from "./requestLog.js";

/**
 * The longest Retry-After that clients should wait out by themselves. OpenAI's SDKs retry a 429 or 5xx after
 * sleeping the whole Retry-After (openai-node 6, `retryRequest`), so an hour's rate-limit wait would hang the
 * call; past this, `x-should-retry: false`, which those SDKs obey, makes them raise the error at once.
 */
const LONGEST_CLIENT_RETRY_SECONDS = 60;

/** What Koa and the router leave behind without a body: the status alone, made into our errors. */
const BARE_STATUSES: Record<number, DomainError> = {
  404: new DomainError("not_found", "Not Found"),
  405: new DomainError("method_not_allowed", "Method Not Allowed"),
  501: new DomainError("not_implemented", "Not Implemented"),
};

/**
 * The one place that writes error bodies. Seed routes keep FastAPI's `{"detail": ...}`; routes under /v1 answer
 * in OpenAI's shape, so that OpenAI SDKs raise their typed errors. Anything that is not a DomainError becomes a
 * generic 500, so no stack trace or path ever reaches a client.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      const bare = ctx.body === undefined || ctx.body === null ? BARE_STATUSES[ctx.status] : undefined;
      if (bare !== undefined) throw bare;
    } catch (error) {
      const known = error instanceof DomainError ? error : undefined;
      const mapping = known === undefined ? INTERNAL_ERROR : ERROR_TABLE[known.kind];
      // Failures get their stack in the log; refusals (a full queue, shutdown, 501) only the request's own line,
      // which under overload is thousands a second.
      if (known === undefined || known.kind === "runner_failed") {
        logger.error({ err: error, requestId: ctx.state["requestId"] }, "request failed");
      }
      if (ctx.headerSent) {
        // Too late for a JSON body: end the socket so the client sees a truncated transfer, not a clean end.
        ctx.res.destroy();
        return;
      }
      const message = known?.message ?? "Internal server error";
      // The request's log line says why it failed: messages are written for clients, so hold no secret.
      const facts = ctx.state["facts"] as RequestFacts | undefined;
      if (facts !== undefined) Object.assign(facts, { error: known?.kind ?? "internal", reason: message });
      if (known?.retryAfterSeconds !== undefined) {
        ctx.set("Retry-After", String(known.retryAfterSeconds));
        if (known.retryAfterSeconds > LONGEST_CLIENT_RETRY_SECONDS) ctx.set("x-should-retry", "false");
      }
      if (known !== undefined) pauseRefusedConnection(ctx, known.kind);
      ctx.status = mapping.status;
      ctx.body = ctx.path.startsWith("/v1/")
        ? { error: { message, type: mapping.type, param: known?.param ?? null, code: mapping.code } }
        : { detail: message };
    }
  };
}
