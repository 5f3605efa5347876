import type { WindowCounter } from "./WindowCounter.js";

/**
 * Counts failed authentications per client IP in a fixed one-hour window. Once an IP is over the limit every
 * request from it is refused before its key is even checked, so a correct guess looks no different from a
 * wrong one.
 */
export class AuthFailureLimiter {
  constructor(
    private readonly maxFailures: number,
    private readonly counter: WindowCounter,
  ) {}

  /** Seconds until the IP may try again, or 0 when it is not blocked. */
  async blockedFor(ip: string): Promise<number> {
    const window = await this.counter.peek(key(ip));
    if (window === undefined || window.count < this.maxFailures) return 0;
    return Math.max(1, Math.ceil(window.resetAt - Date.now() / 1000));
  }

  async recordFailure(ip: string): Promise<void> {
    await this.counter.increment(key(ip));
  }
}

const key = (ip: string) => `auth-failures:${ip}`;
