import type { Context } from "koa";
import ratelimit from "koa-ratelimit";
import { DomainError } from "../../errors/DomainError.js";
import type { Metrics } from "../../observability/Metrics.js";
import type { BoundedMap } from "./BoundedMap.js";

export interface ChatRateLimitOptions {
  perHour: number;
  /** The one store shared by every generation route, so /chat and /v1 draw on one counter per IP. */
  db: BoundedMap<string, { reset: number }>;
  metrics: Metrics;
}

/** Counts one generation for the client's IP; throws rate_limited (with Retry-After, X-RateLimit-* set) when over. */
export type ChatRateLimit = (ctx: Context) => Promise<void>;

/**
 * Built on koa-ratelimit, but called by the routes rather than mounted as middleware: a request counts only
 * once it has passed auth and validation and is accepted for generation (dry runs, 4xx and 503 never count).
 */
export function chatRateLimit(options: ChatRateLimitOptions): ChatRateLimit {
  const errorMessage = `Rate limit exceeded: at most ${options.perHour} chat requests per hour from one client.`;
  // koa-ratelimit's published typings lack `onLimited`, which its code supports.
  const limiter = ratelimit({
    driver: "memory",
    db: options.db as unknown as Map<unknown, unknown>,
    namespace: "chats",
    duration: 60 * 60 * 1000,
    max: options.perHour,
    id: (ctx) => ctx.ip,
    throw: true,
    errorMessage,
    onLimited: () => options.metrics.rateLimited.inc({ limit: "chats" }),
  } as Parameters<typeof ratelimit>[0]);
  return async (ctx) => {
    try {
      await limiter(ctx, async () => undefined);
    } catch (error) {
      // Over the limit, koa-ratelimit records it in ctx.state (having set the X-RateLimit-* headers) and throws
      // an http-error; anything else is a failure of its store.
      const limited = ctx.state["rateLimit"] as { after: number } | undefined;
      if (limited === undefined) throw error;
      throw new DomainError("rate_limited", errorMessage, { retryAfterSeconds: Math.max(1, limited.after), cause: error });
    }
  };
}
