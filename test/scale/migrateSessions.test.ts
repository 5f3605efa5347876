import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { RedisSessionStore } from "../../src/sessions/redis/RedisSessionStore.js";
import type { Session } from "../../src/sessions/Session.js";
import { PROJECT_ROOT } from "../support/paths.js";
import { connectToFreshRedis, REDIS_SERVER } from "../support/redisServer.js";

/** npm run migrate-sessions, as a user runs it. */
function migrate(from: string, to: string): Promise<{ code: number | null; output: string }> {
  const child = spawn("npm", ["run", "--silent", "migrate-sessions", "--", "--from", from, "--to", to], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

const CHATS: Array<[string, string, Session]> = [
  ["", "default", { system_prompt: "Be brief.", history: [{ user: "hi", assistant: "hello", tokens: { model: "fp", ids: [1, 2, 3] } }], windowStart: 0 }],
  ["", "second", { system_prompt: null, history: [{ user: "a", assistant: "b" }, { user: "c", assistant: "d", interrupted: "crash" }], windowStart: 1 }],
  ["alice", "default", { system_prompt: null, history: [{ user: "mine", assistant: "yours", tokens: { model: "fp", ids: [7] } }], windowStart: 0 }],
  ["alice", "empty", { system_prompt: "only a prompt", history: [], windowStart: 0 }],
  ["bob", "x_1", { system_prompt: null, history: Array.from({ length: 12 }, (_, index) => ({ user: `u${index}`, assistant: `a${index}` })), windowStart: 4 }],
];

describe.skipIf(REDIS_SERVER === undefined)("npm run migrate-sessions", () => {
  let fresh: Awaited<ReturnType<typeof connectToFreshRedis>>;
  let dataDir: string;
  beforeAll(async () => {
    fresh = await connectToFreshRedis();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-migrate-"));
    const store = await KeyvSessionStore.open(dataDir);
    for (const [owner, chatId, session] of CHATS) await store.set({ owner, chatId }, session);
    await store.close();
  });
  afterAll(() => fresh?.close());

  /** Every key and value in Redis, to compare two runs. */
  async function dump(): Promise<Record<string, string>> {
    const keys = (await fresh.connection.client.keys("*")).sort();
    const entries = await Promise.all(keys.map(async (key) => [key, JSON.stringify(await fresh.connection.client.dump(key))] as const));
    return Object.fromEntries(entries);
  }

  it("copies every chat of every owner with its token ids, verifies the count, and changes nothing when run again", async () => {
    const first = await migrate(dataDir, fresh.redis.url);
    expect(first.output).toContain("5 chats");
    expect(first.output).toContain("5 copied, 0 already in Redis; 5 of 5 verified");
    expect(first.code).toBe(0);
    const store = new RedisSessionStore(fresh.connection);
    for (const [owner, chatId, session] of CHATS) expect(await store.get({ owner, chatId })).toEqual(session);
    expect(await store.listIds("alice")).toEqual(["default", "empty"]);
    expect(await store.listIds("")).toEqual(["default", "second"]);

    const before = await dump();
    const second = await migrate(dataDir, fresh.redis.url);
    expect(second.code).toBe(0);
    expect(second.output).toContain("0 copied, 5 already in Redis; 5 of 5 verified");
    expect(await dump()).toEqual(before);
  });
});
