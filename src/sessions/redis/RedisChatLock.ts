import { randomBytes } from "node:crypto";
import { DomainError } from "../../errors/DomainError.js";
import type { ChatLease, ChatLock, Fence } from "../ChatLock.js";
import { abortableDelay } from "./abortableDelay.js";
import type { RedisConnection } from "./RedisConnection.js";
import { lockKey, usersKey } from "./redisKeys.js";

/**
 * Enters the chat's users (or refreshes the entry) and takes the lock when it is free.
 * KEYS: lock, users. ARGV: token, lease ms, entry expiry (ms since the epoch).
 */
const TRY_ACQUIRE = `
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[2]))
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Extends the lease while the token still holds it. KEYS: lock, users. ARGV: token, lease ms, entry expiry. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[2]))
return 1`;

/** Compare-and-delete: frees the lock only if the token still holds it; leaves the users. KEYS: lock, users. ARGV: token. */
const RELEASE = `
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/** Holders and waiters whose entries have not expired (a killed replica's expire with its lease). KEYS: users. ARGV: now. */
const COUNT_USERS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])`;

/** Waiting for a held lock: polls, sooner at first, then every POLL_MAX_MS. */
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 200;

/**
 * Per-chat locks shared by every replica: a lease in Redis (SET NX PX) under a random token per holder, renewed
 * every third of the lease while the turn runs and released by compare-and-delete, so that a killed replica's
 * chat is free again within one lease. Holders and waiters are counted in Redis (MAX_WAITING_PER_CHAT), each
 * an entry that its owner refreshes and that expires with it.
 */
export class RedisChatLock implements ChatLock {
  constructor(
    private readonly redis: RedisConnection,
    private readonly leaseMs: number,
  ) {}

  async users(name: string): Promise<number> {
    const count = await this.redis.run(() => this.redis.client.eval(COUNT_USERS, { keys: [usersKey(name)], arguments: [String(Date.now())] }));
    return Number(count);
  }

  async acquire(name: string, signal?: AbortSignal): Promise<ChatLease> {
    const fence: Fence = { lock: name, token: randomBytes(16).toString("hex") };
    const keys = [lockKey(name), usersKey(name)];
    let delay = POLL_FIRST_MS;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const args = [fence.token, String(this.leaseMs), String(Date.now() + this.leaseMs)];
        const taken = await this.redis.run(() => this.redis.client.eval(TRY_ACQUIRE, { keys, arguments: args }));
        if (taken === 1) return new RedisLease(this.redis, this.leaseMs, keys, fence);
        await abortableDelay(delay, signal);
        delay = Math.min(POLL_MAX_MS, Math.ceil(delay * 1.5));
      }
    } catch (error) {
      // However the wait ends, its entry leaves the users once (or expires, when Redis is gone).
      this.redis.client.eval(RELEASE, { keys, arguments: [fence.token] }).catch(() => undefined);
      throw error;
    }
  }
}

/** A held lease: renewed until released, and `lost` once it could not be (another holder has it, or may). */
class RedisLease implements ChatLease {
  private readonly lostController = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private renewedAt = Date.now();
  private released = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly leaseMs: number,
    private readonly keys: string[],
    readonly fence: Fence,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    // Redis down: the lease ends by itself.
    this.redis.client.eval(RELEASE, { keys: this.keys, arguments: [this.fence.token] }).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    const startedAt = Date.now();
    try {
      const args = [this.fence.token, String(this.leaseMs), String(startedAt + this.leaseMs)];
      const renewed = await this.redis.run(() => this.redis.client.eval(RENEW, { keys: this.keys, arguments: args }));
      if (renewed === 1 && startedAt - this.renewedAt < this.leaseMs) this.renewedAt = startedAt;
      else this.lose();
    } catch {
      // Redis unreachable: the lease may already be someone else's once it has run out.
      if (Date.now() - this.renewedAt >= this.leaseMs) this.lose();
    }
  }

  private lose(): void {
    if (this.released || this.lostController.signal.aborted) return;
    clearInterval(this.timer);
    this.lostController.abort(new DomainError("lease_lost", "This replica lost the chat's lock while it held it; nothing more was saved."));
  }
}
