import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { say, type Usage } from "../support/requests.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

const ENV = { LLAMA_TEMPERATURE: "0", RATE_LIMIT_CHATS_PER_HOUR: "10000", LLAMA_CONTEXT_SIZE: "1024", LLAMA_PARALLEL: "1" };
const CHAT = { owner: "", chatId: "warm" };
const long = (topic: string) => `Let us talk at length about ${topic}, its history, its people and its places. `.repeat(4);

interface Running {
  server: TestServer;
  stop(): Promise<void>;
}

/** A server whose runner keeps caches in its data dir, as main.ts wires it; stop() is its shutdown. */
async function startWarm(dataDir: string, warnings: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const runner = await loadTestRunner({ ...ENV, ...env }, { stateDir: stateDir(dataDir), onWarning: (message) => warnings.push(message) });
  const server = await startTestServer({ runner, env: ENV, dataDir });
  return {
    server,
    async stop() {
      await server.close();
      await runner.dispose();
    },
  };
}

const stateDir = (dataDir: string) => path.join(dataDir, "kv-cache");
const stateFiles = async (dataDir: string, extension: string) =>
  (await fs.readdir(stateDir(dataDir))).filter((name) => name.endsWith(extension)).map((name) => path.join(stateDir(dataDir), name));

/**
 * Two turns of a chat on a server that then shuts down (its cache goes to disk), and a copy of the chat in a
 * data dir of its own, for a cold server that has no saved cache.
 */
async function chatThenShutDown(dataDir: string): Promise<{ last: Usage; coldDataDir: string }> {
  const warm = await startWarm(dataDir);
  try {
    await say(warm.server, CHAT.chatId, long("the sea"));
    const { usage: last } = await say(warm.server, CHAT.chatId, "And the harbour, with its boats and its nets?");
    const coldDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-cold-"));
    const copy = await KeyvSessionStore.open(coldDataDir);
    await copy.set(CHAT, (await warm.server.store.get(CHAT))!);
    await copy.close();
    return { last, coldDataDir };
  } finally {
    await warm.stop();
  }
}

/** The next turn's reply from a server that never saw the chat's cache. */
async function coldReply(dataDir: string, message: string): Promise<{ text: string; usage: Usage }> {
  const runner = await loadTestRunner(ENV);
  const server = await startTestServer({ runner, env: ENV, dataDir });
  try {
    const reply = await say(server, CHAT.chatId, message);
    expect(reply.usage.prompt_tokens_details.cached_tokens).toBeLessThan(10);
    return reply;
  } finally {
    await server.close();
    await runner.dispose();
  }
}

const NEXT = "Back to the sea, then.";

describe("warm restarts: chats' KV caches saved to the data dir and loaded back", () => {
  it("a chat's first turn after a restart loads its cache instead of evaluating its history, and replies as a cold server does", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-warm-"));
    const { last, coldDataDir } = await chatThenShutDown(dataDir);
    expect(await stateFiles(dataDir, ".kv")).toHaveLength(1);
    expect(await stateFiles(dataDir, ".json")).toHaveLength(1);

    const restarted = await startWarm(dataDir);
    let back: { text: string; usage: Usage };
    try {
      back = await say(restarted.server, CHAT.chatId, NEXT);
      // Loaded: everything up to the end of the last reply came from the saved state, which left the disk.
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(last.prompt_tokens + last.completion_tokens - 1);
      expect(await stateFiles(dataDir, ".kv")).toHaveLength(0);
    } finally {
      await restarted.stop();
    }
    expect(back.text).toBe((await coldReply(coldDataDir, NEXT)).text);
  });

  it.each([
    ["corrupt (same size, other bytes)", "does not match its checksum", corrupt],
    ["truncated", "truncated", truncate],
  ])("a %s state file is never loaded: the warning says why, the file is removed and the reply is a cold server's", async (_, why, damage) => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-warm-"));
    const { coldDataDir } = await chatThenShutDown(dataDir);
    const [file] = await stateFiles(dataDir, ".kv");
    await damage(file!);

    const warnings: string[] = [];
    const restarted = await startWarm(dataDir, warnings);
    let back: { text: string; usage: Usage };
    try {
      back = await say(restarted.server, CHAT.chatId, NEXT);
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeLessThan(10);
      expect(warnings.join("\n")).toContain(why);
      expect(await fs.stat(file!).catch(() => undefined)).toBeUndefined();
      expect(await stateFiles(dataDir, ".json")).toHaveLength(0);
    } finally {
      await restarted.stop();
    }
    expect(back.text).toBe((await coldReply(coldDataDir, NEXT)).text);
  });

  it("a state saved with another model (fingerprint) is ignored and removed", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-warm-"));
    await chatThenShutDown(dataDir);
    const [sidecar] = await stateFiles(dataDir, ".json");
    const content = JSON.parse(await fs.readFile(sidecar!, "utf8"));
    await fs.writeFile(sidecar!, JSON.stringify({ ...content, fingerprint: "0123456789abcdef" }));

    const warnings: string[] = [];
    const restarted = await startWarm(dataDir, warnings);
    try {
      const back = await say(restarted.server, CHAT.chatId, NEXT);
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeLessThan(10);
      expect(warnings.join("\n")).toContain("another model");
      expect(await stateFiles(dataDir, ".kv")).toHaveLength(0);
    } finally {
      await restarted.stop();
    }
  });

  it.each([
    ["without a RAM cache, when its sequence is recycled", { LLAMA_CACHE_RAM_MB: "0" }, 1],
    ["from the RAM cache, at shutdown", {}, 0],
  ])("a chat whose sequence went to another chat is saved to disk %s, and loaded back after a restart", async (_, env, onDiskBefore) => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-warm-"));
    const first = await startWarm(dataDir, [], env);
    let last: Usage;
    try {
      ({ usage: last } = await say(first.server, CHAT.chatId, long("the sea")));
      // The other chat takes the only sequence: the first one's cache goes to RAM, or without one to disk.
      await say(first.server, "other", long("the mountains"));
      expect(await stateFiles(dataDir, ".kv")).toHaveLength(onDiskBefore);
    } finally {
      await first.stop();
    }
    // Shutdown saved both chats' caches.
    expect(await stateFiles(dataDir, ".kv")).toHaveLength(2);
    const restarted = await startWarm(dataDir, [], env);
    try {
      const back = await say(restarted.server, CHAT.chatId, NEXT);
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(last.prompt_tokens + last.completion_tokens - 1);
    } finally {
      await restarted.stop();
    }
  });
});

/** Flips bytes in the middle of the file, keeping its size. */
async function corrupt(file: string): Promise<void> {
  const bytes = await fs.readFile(file);
  for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 64; i++) bytes[i] = bytes[i]! ^ 0xff;
  await fs.writeFile(file, bytes);
}

async function truncate(file: string): Promise<void> {
  const { size } = await fs.stat(file);
  await fs.truncate(file, Math.floor(size / 2));
}
