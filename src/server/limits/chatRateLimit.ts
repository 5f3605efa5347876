import type { Context } from "koa";
import { DomainError } from "../../errors/DomainError.js";
import type { Metrics } from "../../observability/Metrics.js";
import type { WindowCounter } from "./WindowCounter.js";

export interface ChatRateLimitOptions {
  perHour: number;
  /** The one counter shared by every generation route, so /chat and /v1 draw on one count per IP. */
  counter: WindowCounter;
  metrics: Metrics;
}

/**
 * Counts one generation for the client's IP and sets the X-RateLimit-* headers; throws rate_limited when
 * over. Resolves with the refund: the count given back when the request is refused after all.
 */
export type ChatRateLimit = (ctx: Context) => Promise<() => void>;

/**
 * Called by the chat core before it does anything for a request, so that a client over its limit costs
 * nothing; a request refused later (a full queue, a busy chat, a prompt too long, a client gone before its
 * reply began) gives its count back, so that only generation that was admitted counts.
 */
export function chatRateLimit({ perHour, counter, metrics }: ChatRateLimitOptions): ChatRateLimit {
  const message = `Rate limit exceeded: at most ${perHour} chat requests per hour from one client.`;
  return async (ctx) => {
    const key = `chats:${ctx.ip}`;
    const { count, resetAt } = await counter.increment(key);
    const setHeaders = (used: number) =>
      ctx.set({
        "X-RateLimit-Limit": String(perHour),
        "X-RateLimit-Remaining": String(Math.max(0, perHour - used)),
        "X-RateLimit-Reset": String(Math.ceil(resetAt)),
      });
    setHeaders(count);
    if (count > perHour) {
      await counter.decrement(key);
      metrics.rateLimited.inc({ limit: "chats" });
      throw new DomainError("rate_limited", message, { retryAfterSeconds: Math.max(1, Math.ceil(resetAt - Date.now() / 1000)) });
    }
    let refunded = false;
    return () => {
      if (refunded) return;
      refunded = true;
      setHeaders(count - 1);
      // A shared counter can fail (Redis gone since the count): the count then stays, the process must too.
      counter.decrement(key).catch(() => undefined);
    };
  };
}
