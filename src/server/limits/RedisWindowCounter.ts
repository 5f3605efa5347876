import { RateLimiterRedis } from "rate-limiter-flexible";
import type { RedisConnection } from "../../sessions/redis/RedisConnection.js";
import { PREFIX } from "../../sessions/redis/redisKeys.js";
import type { WindowCount, WindowCounter } from "./WindowCounter.js";

/**
 * Fixed-window counts in Redis through rate-limiter-flexible, one counter for every replica: a window opens
 * with a key's first count and ends with the key's expiry, as MemoryWindowCounter's do. The limits stay the
 * callers' (chatRateLimit, AuthFailureLimiter), so that both stores count and refuse alike.
 */
export class RedisWindowCounter implements WindowCounter {
  private readonly limiter: RateLimiterRedis;

  constructor(
    private readonly redis: RedisConnection,
    windowSeconds: number,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis.client,
      useRedisPackage: true,
      keyPrefix: `${PREFIX}:limits`,
      // The callers compare the count with their own limit: the limiter itself never refuses.
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
    });
  }

  increment(key: string): Promise<WindowCount> {
    return this.redis.run(async () => windowCount(await this.limiter.penalty(key, 1)));
  }

  async decrement(key: string): Promise<void> {
    await this.redis.run(async () => {
      // Within the window only: a refund after it ended would start the next one below zero.
      const current = await this.limiter.get(key);
      if (current !== null && current.consumedPoints > 0) await this.limiter.reward(key, 1);
    });
  }

  peek(key: string): Promise<WindowCount | undefined> {
    return this.redis.run(async () => {
      const current = await this.limiter.get(key);
      return current === null ? undefined : windowCount(current);
    });
  }
}

const windowCount = ({ consumedPoints, msBeforeNext }: { consumedPoints: number; msBeforeNext: number }): WindowCount => ({
  count: consumedPoints,
  resetAt: (Date.now() + msBeforeNext) / 1000,
});
