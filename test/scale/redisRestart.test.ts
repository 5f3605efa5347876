import { describe, expect, it } from "vitest";
import { REDIS_SERVER, startRedis } from "../support/redisServer.js";
import { chatTurn, HEADERS, startReplica, stopReplicas, useReplicas } from "../support/replicas.js";
import { until } from "../support/requests.js";

describe.skipIf(REDIS_SERVER === undefined)("Redis restarted while both replicas run", () => {
  const cluster = useReplicas();

  it("refuses cleanly (503, Retry-After) during the gap and serves again afterwards, with no replica restart", async () => {
    const { redis, replicas } = cluster;
    for (const replica of replicas) expect((await chatTurn(replica.url, "gap", "before")).response.status).toBe(200);
    await redis.stop();

    const latencies: number[] = [];
    for (const replica of replicas) {
      const startedAt = performance.now();
      const { response, text } = await chatTurn(replica.url, "gap", "during");
      latencies.push(performance.now() - startedAt);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(text).detail).toMatch(/Redis/);

      const openai = await fetch(`${replica.url}/v1/chat/completions`, {
        method: "POST",
        headers: { ...HEADERS, "X-Chat-Id": "gap" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "during" }] }),
      });
      expect(openai.status).toBe(503);
      expect((await openai.json()).error).toMatchObject({ type: "server_error", code: "service_unavailable" });
      expect((await fetch(`${replica.url}/chats`, { headers: HEADERS })).status).toBe(503);
      const health = await fetch(`${replica.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "unavailable", redis: "unavailable" });
    }
    process.stderr.write(`[scale] Redis down: 503 after ${latencies.map((ms) => Math.round(ms)).join(", ")} ms\n`);

    await redis.start();
    for (const replica of replicas) {
      await until(async () => (await fetch(`${replica.url}/health`)).status === 200);
      expect(await (await fetch(`${replica.url}/health`)).json()).toMatchObject({ status: "ok", redis: "ok" });
      expect((await chatTurn(replica.url, "gap", "after")).response.status).toBe(200);
      expect(replica.child.exitCode).toBeNull();
    }
    // Nothing is kept on disk in the test's Redis: the chat starts again from its first turn after the gap.
    const history = await (await fetch(`${replicas[0]!.url}/history/gap`, { headers: HEADERS })).json();
    expect(history.history.map((turn: { user: string }) => turn.user)).toEqual(["after", "after"]);
  });

  it("refuses within the command timeout while Redis stalls, and serves again once it resumes", async () => {
    const { redis, replicas } = cluster;
    redis.signal("SIGSTOP");
    try {
      const startedAt = performance.now();
      const { response } = await chatTurn(replicas[1]!.url, "stall", "during");
      const latency = performance.now() - startedAt;
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).toBe("1");
      process.stderr.write(`[scale] Redis stalled: 503 after ${Math.round(latency)} ms\n`);
    } finally {
      redis.signal("SIGCONT");
    }
    await until(async () => (await chatTurn(replicas[1]!.url, "stall", "after")).response.status === 200);
  });
});

describe.skipIf(REDIS_SERVER === undefined)("a replica started while Redis is down", () => {
  it("starts, refuses with 503 while Redis is missing, and serves once Redis is up, with no restart", async () => {
    const redis = await startRedis();
    await redis.stop();
    const replica = await startReplica(redis.url, "early", {}, { ready: false });
    try {
      // The model loads; only Redis is missing.
      await until(async () => {
        const health = await fetch(`${replica.url}/health`).catch(() => undefined);
        return health !== undefined && (await health.json()).status === "unavailable";
      });
      const health = await fetch(`${replica.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ redis: "unavailable" });
      const { response, text } = await chatTurn(replica.url, "early", "before Redis");
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).toBe("1");
      expect(JSON.parse(text).detail).toMatch(/Redis/);

      await redis.start();
      await until(async () => (await fetch(`${replica.url}/health`)).status === 200);
      expect((await chatTurn(replica.url, "early", "after Redis")).response.status).toBe(200);
      expect(replica.child.exitCode).toBeNull();
    } finally {
      await stopReplicas([replica]);
      await redis.stop();
    }
  });
});
