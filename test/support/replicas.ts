import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { TEST_MODEL_PATH } from "./paths.js";
import { startRedis, type RedisServer } from "./redisServer.js";
import { spawnServer, waitUntilReady, type SpawnedServer } from "./spawnServer.js";
import { TEST_KEY } from "./startTestServer.js";

export const HEADERS = { "X-API-Key": TEST_KEY, "Content-Type": "application/json" };

/** One replica of the real server on the test model, on the shared Redis, with a data dir of its own. */
export async function startReplica(redisUrl: string, name: string, env: Record<string, string> = {}, { ready = true } = {}): Promise<SpawnedServer> {
  const replica = await spawnServer(
    {
      LLAMA_MODEL: TEST_MODEL_PATH,
      LLAMA_API_KEY: TEST_KEY,
      LLAMA_API_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `llama-api-${name}-`)),
      LLAMA_PARALLEL: "2",
      LLAMA_THREADS: "1",
      RATE_LIMIT_CHATS_PER_HOUR: "1000",
      REDIS_URL: redisUrl,
      REPLICA_NAME: name,
      ...env,
    },
    ["--import", "./test/support/gateGeneration.ts"],
  );
  if (ready) await waitUntilReady(replica.url);
  return replica;
}

/** Two replicas, "replica-1" and "replica-2", sharing one Redis. */
export function startReplicas(redisUrl: string, env: Record<string, string> = {}): Promise<SpawnedServer[]> {
  return Promise.all([startReplica(redisUrl, "replica-1", env), startReplica(redisUrl, "replica-2", env)]);
}

/** Stops what is still running (SIGKILL for a stopped or stalled one). */
export async function stopReplicas(replicas: SpawnedServer[]): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
      replica.child.kill("SIGCONT");
      await replica.stop("SIGKILL");
    }),
  );
}

/** POST /chat on a replica, its reply read whole. */
export async function chatTurn(url: string, chatId: string, message: string, maxTokens = 4) {
  const response = await fetch(`${url}/chat`, { method: "POST", headers: HEADERS, body: JSON.stringify({ chat_id: chatId, message, max_tokens: maxTokens }) });
  return { response, text: await response.text() };
}

/** A chat's stored turns as a replica's GET /history shows them. */
// `any`: JSON of a known shape, as everywhere in the tests.
export async function historyOf(url: string, chatId: string): Promise<any[]> {
  const response = await fetch(`${url}/history/${chatId}`, { headers: HEADERS });
  return response.status === 404 ? [] : (await response.json()).history;
}

/** A fresh redis-server and two replicas on it for a describe block, stopped after it. */
export function useReplicas(env: Record<string, string> = {}): { redis: RedisServer; replicas: SpawnedServer[] } {
  const cluster = {} as { redis: RedisServer; replicas: SpawnedServer[] };
  beforeAll(async () => {
    cluster.redis = await startRedis();
    cluster.replicas = await startReplicas(cluster.redis.url, env);
  });
  afterAll(async () => {
    await stopReplicas(cluster.replicas ?? []);
    await cluster.redis?.stop();
  });
  return cluster;
}
