import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/errors/DomainError.js";
import { RedisChatLock } from "../../src/sessions/redis/RedisChatLock.js";
import { RedisConnection } from "../../src/sessions/redis/RedisConnection.js";
import { lockKey } from "../../src/sessions/redis/redisKeys.js";
import { RedisSessionStore } from "../../src/sessions/redis/RedisSessionStore.js";
import { connectToFreshRedis, REDIS_SERVER, type RedisServer } from "../support/redisServer.js";
import { until } from "../support/requests.js";

const LEASE_MS = 600;
const key = { owner: "", chatId: "fenced" };
const meta = (turnCount: number) => ({ system_prompt: null, windowStart: 0, turnCount });

const kindOf = (promise: Promise<unknown>) => promise.then(() => "resolved", (error: unknown) => (error instanceof DomainError ? error.kind : String(error)));

describe.skipIf(REDIS_SERVER === undefined)("Redis leases and fencing", () => {
  let fresh: Awaited<ReturnType<typeof connectToFreshRedis>>;
  let redis: RedisServer;
  let connection: RedisConnection;
  let lock: RedisChatLock;
  let store: RedisSessionStore;
  beforeAll(async () => {
    fresh = await connectToFreshRedis();
    ({ redis, connection } = fresh);
    lock = new RedisChatLock(connection, LEASE_MS);
    store = new RedisSessionStore(connection);
  });
  afterAll(() => fresh.close());

  it("renews a held lease for as long as it is held", async () => {
    const held = await lock.acquire("renewed");
    const controller = new AbortController();
    let got = false;
    const waiting = lock.acquire("renewed", controller.signal).then((lease) => ((got = true), lease));
    const heldSince = Date.now();
    await until(() => Date.now() - heldSince > 3 * LEASE_MS);
    expect(got).toBe(false);
    expect(held.lost.aborted).toBe(false);
    held.release();
    (await waiting).release();
  });

  it("counts the holders and waiters of every replica (MAX_WAITING_PER_CHAT), and forgets a dead one's", async () => {
    const other = await RedisConnection.open(redis.url);
    const otherLock = new RedisChatLock(other, LEASE_MS);
    const held = await lock.acquire("counted");
    const controller = new AbortController();
    const waiting = otherLock.acquire("counted", controller.signal);
    await until(async () => (await lock.users("counted")) === 2);
    expect(await otherLock.users("counted")).toBe(2);
    // The waiting replica dies: its entry expires with it, and no one has to take it out.
    other.client.destroy();
    await expect(waiting).rejects.toThrow();
    await until(async () => (await lock.users("counted")) === 1);
    held.release();
    expect(await lock.users("counted")).toBe(0);
  });

  it("frees the chat of a holder that died (no renewal) within its lease", async () => {
    const other = await RedisConnection.open(redis.url);
    await new RedisChatLock(other, LEASE_MS).acquire("dead");
    // kill -9 of that replica: its connection goes, nobody releases or renews.
    other.client.destroy();
    expect(Number(await connection.client.pTTL(lockKey("dead")))).toBeLessThanOrEqual(LEASE_MS);
    const lease = await lock.acquire("dead");
    lease.release();
  });

  it("refuses the save of a holder whose lease ran out once another holds the chat, and tells the holder", async () => {
    const stalled = await lock.acquire("/fenced");
    await store.saveTurn(key, 0, { user: "u0", assistant: "partial", interrupted: "crash" }, { ...meta(1), pending: 0 }, stalled.fence);
    // What a pause past the lease leaves: the key gone, as its expiry would take it.
    await connection.client.del(lockKey("/fenced"));
    const next = await lock.acquire("/fenced");
    await store.saveTurn(key, 1, { user: "u1", assistant: "next" }, meta(2), next.fence);

    expect(await kindOf(store.saveTurn(key, 0, { user: "u0", assistant: "stale" }, meta(1), stalled.fence))).toBe("lease_lost");
    expect(await kindOf(store.setMeta(key, meta(0), stalled.fence))).toBe("lease_lost");
    expect(await kindOf(store.delete(key, stalled.fence))).toBe("lease_lost");
    await until(() => stalled.lost.aborted);
    expect(next.lost.aborted).toBe(false);
    expect((await store.get(key))?.history).toEqual([
      { user: "u0", assistant: "partial", interrupted: "crash" },
      { user: "u1", assistant: "next" },
    ]);
    stalled.release();
    // The stale release did not free the chat.
    expect(await connection.client.get(lockKey("/fenced"))).toBe(next.fence?.token);
    next.release();
  });

  it("refuses at once while Redis is down, and works again once it is back", async () => {
    await redis.stop();
    expect(await kindOf(lock.acquire("down"))).toBe("store_unavailable");
    expect(await kindOf(lock.users("down"))).toBe("store_unavailable");
    expect(await kindOf(store.get(key))).toBe("store_unavailable");
    expect(await kindOf(store.listIds(""))).toBe("store_unavailable");
    expect(await connection.available()).toBe(false);
    await redis.start();
    await until(() => connection.available());
    (await lock.acquire("down")).release();
    expect(await store.get(key)).toBeUndefined();
  });
});
