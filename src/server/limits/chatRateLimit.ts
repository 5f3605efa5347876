import type { Context } from "koa";
import ratelimit from "koa-ratelimit";
import type { Metrics } from "../../observability/Metrics.js";
import type { BoundedMap } from "./BoundedMap.js";

export interface ChatRateLimitOptions {
  perHour: number;
  /** The one store shared by every generation route, so /chat and /v1 draw on one counter per IP. */
  db: BoundedMap<string, { reset: number }>;
  metrics: Metrics;
}

/** Counts one generation for the client's IP; throws 429 with Retry-After and X-RateLimit-* when over. */
export type ChatRateLimit = (ctx: Context) => Promise<void>;

/**
 * Built on koa-ratelimit, but called by the routes rather than mounted as middleware: a request counts only
 * once it has passed auth and validation and is accepted for generation (dry runs, 4xx and 503 never count).
 */
export function chatRateLimit(options: ChatRateLimitOptions): ChatRateLimit {
  // koa-ratelimit's published typings lack `onLimited`, which its code supports.
  const limiter = ratelimit({
    driver: "memory",
    db: options.db as unknown as Map<unknown, unknown>,
    namespace: "chats",
    duration: 60 * 60 * 1000,
    max: options.perHour,
    id: (ctx) => ctx.ip,
    throw: true,
    errorMessage: `Rate limit exceeded: at most ${options.perHour} chat requests per hour from one client.`,
    onLimited: () => options.metrics.rateLimited.inc({ limit: "chats" }),
  } as Parameters<typeof ratelimit>[0]);
  return async (ctx) => {
    await limiter(ctx, async () => undefined);
  };
}
