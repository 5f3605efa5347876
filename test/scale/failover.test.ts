import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisConnection } from "../../src/sessions/redis/RedisConnection.js";
import { lockKey } from "../../src/sessions/redis/redisKeys.js";
import { RedisSessionStore } from "../../src/sessions/redis/RedisSessionStore.js";
import { GATED_MAX_TOKENS } from "../support/gateGeneration.js";
import { REDIS_SERVER, startRedis, type RedisServer } from "../support/redisServer.js";
import { chatTurn, historyOf, startReplica, startReplicas, stopReplicas } from "../support/replicas.js";
import { until } from "../support/requests.js";
import type { SpawnedServer } from "../support/spawnServer.js";
import { streamTurn } from "../support/streamTurn.js";

/** Short, so that the tests wait little; the default (10 s) is measured the same way. */
const LEASE_S = Number(process.env["SCALE_TEST_LEASE_S"] ?? "2");

describe.skipIf(REDIS_SERVER === undefined)("a replica that dies or stalls while it holds a chat", () => {
  let redis: RedisServer;
  let watcher: RedisConnection;
  let store: RedisSessionStore;
  let replicas: SpawnedServer[];
  beforeAll(async () => {
    redis = await startRedis();
    watcher = await RedisConnection.open(redis.url);
    store = new RedisSessionStore(watcher);
    replicas = await startReplicas(redis.url, { REDIS_LEASE_S: String(LEASE_S) });
  });
  afterAll(async () => {
    await stopReplicas(replicas ?? []);
    await watcher?.close();
    await redis?.stop();
  });

  /** Starts a reply on `holder` that pauses after its first chunk, once that chunk is stored as in progress. */
  async function holdMidReply(holder: SpawnedServer, chatId: string) {
    expect((await chatTurn(holder.url, chatId, "first turn")).response.status).toBe(200);
    const stream = streamTurn(holder.url, chatId, GATED_MAX_TOKENS);
    await stream.first;
    expect(stream.state.firstChunk).toBe(true);
    await until(async () => (await store.meta({ owner: "", chatId }))?.pending === 1);
    return stream;
  }

  it("kill -9 of the holder mid-reply: the other replica serves the chat within the lease, and no turn is lost", async () => {
    const [holder, other] = replicas as [SpawnedServer, SpawnedServer];
    const stream = await holdMidReply(holder, "killed");
    const killedAt = performance.now();
    await holder.stop("SIGKILL");
    const { response } = await chatTurn(other.url, "killed", "after the kill");
    const blockedMs = performance.now() - killedAt;
    expect(response.status).toBe(200);
    await stream.finished;
    expect(stream.state.end).toBe("cut");
    const history = await historyOf(other.url, "killed");
    // The completed turn, the cut one with what was sent (as "crash"), and the one served after it.
    expect(history.map((turn) => [turn.user, turn.interrupted])).toEqual([
      ["first turn", undefined],
      ["go on, killed", "crash"],
      ["after the kill", undefined],
    ]);
    process.stderr.write(`[scale] killed holder: chat blocked for ${Math.round(blockedMs)} ms (lease ${LEASE_S} s)\n`);
    replicas[0] = await startReplica(redis.url, "replica-1", { REDIS_LEASE_S: String(LEASE_S) });
  });

  it("SIGSTOP past the lease: the other replica takes the chat and saves, and after SIGCONT the stalled save is refused", async () => {
    const [holder, other] = replicas as [SpawnedServer, SpawnedServer];
    const stream = await holdMidReply(holder, "stalled");
    holder.child.kill("SIGSTOP");
    // The lease runs out with nobody to renew it.
    await until(async () => (await watcher.client.exists(lockKey("/stalled"))) === 0);
    const { response, text } = await chatTurn(other.url, "stalled", "while it was stopped");
    expect(response.status).toBe(200);
    const before = await historyOf(other.url, "stalled");

    holder.child.kill("SIGCONT");
    await stream.finished;
    // Its reply could not be stored, so it must not look complete.
    expect(stream.state.end).toBe("cut");
    await until(() => holder.output().includes("lease_lost"));
    const after = await historyOf(other.url, "stalled");
    expect(after).toEqual(before);
    expect(after.map((turn) => [turn.user, turn.interrupted])).toEqual([
      ["first turn", undefined],
      ["go on, stalled", "crash"],
      ["while it was stopped", undefined],
    ]);
    expect(after[2].assistant).toBe(text);
    // The stalled replica still serves, with a lease of its own.
    expect((await chatTurn(holder.url, "stalled", "back again")).response.status).toBe(200);
    expect(await historyOf(holder.url, "stalled")).toHaveLength(4);
  });
});
