import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import { describe, expect, it } from "vitest";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { until } from "../support/requests.js";
import { spawnServer, waitUntilReady } from "../support/spawnServer.js";
import { TEST_KEY } from "../support/startTestServer.js";
import { streamTurn } from "../support/streamTurn.js";

const headers = { "X-API-Key": TEST_KEY, "Content-Type": "application/json" };

const envFor = (dataDir: string, extra: Record<string, string> = {}) => ({
  LLAMA_MODEL: TEST_MODEL_PATH,
  LLAMA_API_KEY: TEST_KEY,
  LLAMA_API_DATA_DIR: dataDir,
  LLAMA_PARALLEL: "4",
  LLAMA_THREADS: "1",
  RATE_LIMIT_CHATS_PER_HOUR: "1000",
  ...extra,
});

async function readStore(dataDir: string) {
  const store = await KeyvSessionStore.open(dataDir);
  return {
    store,
    history: async (chatId: string) => (await store.get({ owner: "", chatId }))?.history ?? [],
    meta: (chatId: string) => store.meta({ owner: "", chatId }),
  };
}

const CHATS = ["a", "b", "c", "d"];

describe("kill -9 in the middle of 4 streams", () => {
  it("loses no completed turn, keeps each cut turn with its saved text as \"crash\", and leaves nothing behind", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-crash-"));
    const first = await spawnServer(envFor(dataDir));
    await waitUntilReady(first.url);
    for (const chatId of CHATS) {
      const response = await fetch(`${first.url}/chat`, { method: "POST", headers, body: JSON.stringify({ chat_id: chatId, message: "hello", max_tokens: 4 }) });
      expect(response.status).toBe(200);
      await response.text();
    }
    const streams = CHATS.map((chatId) => streamTurn(first.url, chatId, 4000, { ignoreEos: true }));
    // Each reply is under way and saved once at least (the store is read while the server writes it).
    const watcher = await readStore(dataDir);
    await until(async () => {
      for (const chatId of CHATS) {
        const meta = await watcher.meta(chatId);
        if (meta?.pending === undefined) return false;
        if (((await watcher.history(chatId))[meta.pending]?.assistant ?? "") === "") return false;
      }
      return streams.every((stream) => stream.state.text !== "");
    });
    await watcher.store.close();
    const pid = first.child.pid!;
    expect(await first.stop("SIGKILL")).toBeNull();
    await Promise.all(streams.map((stream) => stream.finished));
    expect(fs.readdirSync("/dev/shm").some((name) => name.startsWith(`llama-api-kv-${pid}-`))).toBe(true);

    const second = await spawnServer(envFor(dataDir));
    try {
      await waitUntilReady(second.url);
      const sqlite = new KeyvSqlite({ uri: `sqlite://${path.join(dataDir, "sessions.sqlite")}` });
      expect(await sqlite.query("PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
      await sqlite.disconnect();
      for (const [index, chatId] of CHATS.entries()) {
        const response = await fetch(`${second.url}/history/${chatId}`, { headers });
        const { history } = (await response.json()) as { history: Array<{ user: string; assistant: string; interrupted?: string }> };
        expect(history).toHaveLength(2);
        expect(history[0]).toMatchObject({ user: "hello" });
        expect(history[0]!.interrupted).toBeUndefined();
        expect(history[1]).toMatchObject({ user: `go on, ${chatId}`, interrupted: "crash" });
        // Saved as it went: never more than the client got, and something of it.
        expect(history[1]!.assistant.length).toBeGreaterThan(0);
        expect(streams[index]!.state.text.startsWith(history[1]!.assistant)).toBe(true);
      }
      expect(fs.readdirSync("/dev/shm").some((name) => name.startsWith(`llama-api-kv-${pid}-`))).toBe(false);
      // The chats go on.
      const next = await fetch(`${second.url}/chat`, { method: "POST", headers, body: JSON.stringify({ chat_id: "a", message: "again", max_tokens: 2 }) });
      expect(next.status).toBe(200);
      await next.text();
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
  });
});

describe("SIGTERM while 4 streams run", () => {
  it.each([20, 60, 400])(
    "stores a turn as complete exactly when its client got the end of the stream (max_tokens %i)",
    async (maxTokens) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-sigterm-"));
      const server = await spawnServer(envFor(dataDir, { SHUTDOWN_GRACE_S: "1" }));
      await waitUntilReady(server.url);
      const streams = CHATS.map((chatId) => streamTurn(server.url, chatId, maxTokens, { ignoreEos: true }));
      await until(() => streams.every((stream) => stream.state.events > 1 || stream.state.end !== undefined));
      expect(await server.stop("SIGTERM")).toBe(0);
      await Promise.all(streams.map((stream) => stream.finished));

      const stored = await readStore(dataDir);
      try {
        for (const [index, chatId] of CHATS.entries()) {
          const { state } = streams[index]!;
          const history = await stored.history(chatId);
          expect(history).toHaveLength(1);
          expect(history[0]!.assistant).toBe(state.text);
          if (state.end === "done") expect(history[0]!.interrupted).toBeUndefined();
          else expect(history[0]!.interrupted).toBe("shutdown");
        }
      } finally {
        await stored.store.close();
      }
    },
  );
});
