import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { GenerationResult } from "../../llm/Runner.js";
import type { Metrics } from "../../observability/Metrics.js";

/** What a route adds to its request's log line. */
export interface RequestFacts {
  chatId?: string;
  promptTokens?: number;
  cachedTokens?: number;
  generatedTokens?: number;
  finishReason?: string;
  /** An error response's kind and the message the client got (see errorHandler). */
  error?: string;
  reason?: string;
}

/**
 * One log line and one metrics sample per request, taken when the response has really ended: for a streamed
 * reply that is after its last token, not when the route function returned.
 */
export function requestLog(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const startedAt = performance.now();
    const requestId = randomUUID();
    ctx.state["requestId"] = requestId;
    ctx.state["facts"] = {} satisfies RequestFacts;
    ctx.set("X-Request-Id", requestId);

    let logged = false;
    const finish = () => {
      if (logged) return;
      logged = true;
      const seconds = (performance.now() - startedAt) / 1000;
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      // A response closed before it finished was cut short: logged as the client-closed-request code.
      const status = ctx.res.writableFinished ? ctx.status : 499;
      metrics.httpRequests.inc({ method: ctx.method, route, status: String(status) });
      metrics.httpDuration.observe({ method: ctx.method, route }, seconds);
      const facts = ctx.state["facts"] as RequestFacts;
      logger.info(
        { requestId, method: ctx.method, route, status, durationMs: Math.round(seconds * 1000), ...facts },
        "request",
      );
    };
    ctx.res.once("finish", finish);
    ctx.res.once("close", finish);
    await next();
  };
}

/** Adds a generation's token counts to its request's log line once they are known. */
export function recordFacts(facts: RequestFacts, reply: { promptTokens: number; result: Promise<GenerationResult> }): void {
  facts.promptTokens = reply.promptTokens;
  void reply.result.then(
    (result) => {
      facts.cachedTokens = result.cachedTokens;
      facts.generatedTokens = result.generatedTokens;
      facts.finishReason = result.finishReason;
    },
    () => undefined,
  );
}
