import type { BoundedMap } from "./BoundedMap.js";

const WINDOW_SECONDS = 60 * 60;

/**
 * Counts failed authentications per client IP in a fixed one-hour window. Once an IP is over the limit every
 * request from it is refused before its key is even checked, so a correct guess looks no different from a
 * wrong one. (koa-ratelimit cannot look at a counter without spending from it, hence this small class.)
 */
export class AuthFailureLimiter {
  constructor(
    private readonly maxFailures: number,
    private readonly db: BoundedMap<string, { reset: number; failures: number }>,
  ) {}

  /** Seconds until the IP may try again, or 0 when it is not blocked. */
  blockedFor(ip: string): number {
    const entry = this.current(ip);
    if (entry === undefined || entry.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil(entry.reset - Date.now() / 1000));
  }

  recordFailure(ip: string): void {
    const entry = this.current(ip);
    if (entry === undefined) this.db.set(key(ip), { reset: Date.now() / 1000 + WINDOW_SECONDS, failures: 1 });
    else entry.failures += 1;
  }

  private current(ip: string): { reset: number; failures: number } | undefined {
    const entry = this.db.get(key(ip));
    return entry !== undefined && entry.reset > Date.now() / 1000 ? entry : undefined;
  }
}

const key = (ip: string) => `auth-failures:${ip}`;
