import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import type { ChatLock } from "../sessions/ChatLock.js";
import { InProcessChatLock } from "../sessions/InProcessChatLock.js";
import { KeyvSessionStore } from "../sessions/KeyvSessionStore.js";
import { RedisChatLock } from "../sessions/redis/RedisChatLock.js";
import { RedisConnection } from "../sessions/redis/RedisConnection.js";
import { RedisSessionStore } from "../sessions/redis/RedisSessionStore.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import { MemoryWindowCounter } from "./limits/MemoryWindowCounter.js";
import { RedisWindowCounter } from "./limits/RedisWindowCounter.js";
import type { WindowCounter } from "./limits/WindowCounter.js";

/** Rate-limit entries kept at most in memory: one per client IP and limit, about 200 bytes each. */
const MAX_LIMIT_ENTRIES = 100_000;
const HOUR_S = 60 * 60;

/** The parts of a replica that several replicas share with REDIS_URL set; in-process ones without. */
export interface SharedState {
  store: SessionStore;
  lock: ChatLock;
  /** Both rate limits' counts. */
  counter: WindowCounter;
  /** The shared parts /health reports, each "ok" or "unavailable" (none in-process). */
  health(): Promise<Record<string, "ok" | "unavailable">>;
  close(): Promise<void>;
}

/** Locks and counts of one process: what createApp uses unless it is given shared ones. */
export function localParts(): Pick<SharedState, "lock" | "counter" | "health"> {
  return { lock: new InProcessChatLock(), counter: new MemoryWindowCounter(HOUR_S, MAX_LIMIT_ENTRIES), health: async () => ({}) };
}

/** The in-process parts: a SQLite file in the data dir, a ChatMutex, counts in memory. */
export async function openLocalState(config: Config): Promise<SharedState> {
  const store = await KeyvSessionStore.open(config.dataDir);
  return { store, ...localParts(), close: () => store.close() };
}

/** REDIS_URL set: sessions, per-chat leases and rate limits in one Redis; unset: openLocalState. */
export async function openSharedState(config: Config, logger: Logger): Promise<SharedState> {
  if (config.redisUrl === undefined) return openLocalState(config);
  let down = false;
  const redis = await RedisConnection.open(config.redisUrl, (error) => {
    // One line when the connection goes, one when it is back, not one per reconnect attempt.
    if (!down) logger.warn({ err: error }, "Redis unavailable: requests that need it get 503 until it is back");
    down = true;
  });
  redis.client.on("ready", () => {
    if (down) logger.info("Redis available again");
    down = false;
  });
  return {
    store: new RedisSessionStore(redis),
    lock: new RedisChatLock(redis, config.leaseSeconds * 1000),
    counter: new RedisWindowCounter(redis, HOUR_S),
    health: async () => ({ redis: (await redis.available()) ? "ok" : "unavailable" }),
    close: () => redis.close(),
  };
}
