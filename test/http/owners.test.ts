import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { chatListQuery } from "../../src/sessions/sqliteChatIndex.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

const KEYS = "alice:key-of-alice-1,alice:key-of-alice-2,bob:key-of-bob-1,plain-key-1,plain-key-2";

const as = (server: TestServer, key: string) => {
  const headers = { "X-API-Key": key, "Content-Type": "application/json" };
  return {
    chat: async (chatId: string, message: string) => {
      const response = await fetch(`${server.url}/chat`, { method: "POST", headers, body: JSON.stringify({ chat_id: chatId, message, max_tokens: 2 }) });
      expect(response.status).toBe(200);
      return response.text();
    },
    v1: (chatId: string, message: string) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { ...headers, "X-Chat-Id": chatId },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: message }], max_tokens: 2 }),
      }),
    list: async () => (await (await fetch(`${server.url}/chats`, { headers })).json()).chat_ids as string[],
    history: (chatId: string) => fetch(`${server.url}/history/${chatId}`, { headers }),
    setSystem: (chatId: string, prompt: string) =>
      fetch(`${server.url}/history/${chatId}/system_prompt`, { method: "POST", headers, body: JSON.stringify({ system_prompt: prompt }) }),
    delete: (chatId: string) => fetch(`${server.url}/history/${chatId}`, { method: "DELETE", headers }),
  };
};

describe("named API keys own their chats", () => {
  it("gives each name its own chat ids: /chats, /history, DELETE and /v1 chat_id never reach another's", async () => {
    const server = await startTestServer({ runner, env: { LLAMA_API_KEY: KEYS, RATE_LIMIT_CHATS_PER_HOUR: "100" } });
    const alice = as(server, "key-of-alice-1");
    const aliceRotated = as(server, "key-of-alice-2");
    const bob = as(server, "key-of-bob-1");
    const plain = as(server, "plain-key-1");
    try {
      await alice.chat("shared-name", "alice's message");
      await alice.chat("alice-only", "secret plans");
      expect((await bob.setSystem("shared-name", "bob's prompt")).status).toBe(200);
      await plain.chat("plain-chat", "hello");

      expect(await alice.list()).toEqual(["alice-only", "shared-name"]);
      expect(await aliceRotated.list()).toEqual(["alice-only", "shared-name"]);
      expect(await bob.list()).toEqual(["shared-name"]);
      expect(await plain.list()).toEqual(["plain-chat"]);
      expect(await as(server, "plain-key-2").list()).toEqual(["plain-chat"]);

      expect((await bob.history("alice-only")).status).toBe(404);
      expect((await bob.delete("alice-only")).status).toBe(404);
      expect(await (await bob.history("shared-name")).json()).toEqual({ system_prompt: "bob's prompt", history: [] });
      // A /v1 turn on "alice-only" by bob starts bob's own chat of that name.
      expect((await bob.v1("alice-only", "let me in")).status).toBe(200);
      const aliceHistory = await (await alice.history("alice-only")).json();
      expect(aliceHistory.history.map((turn: { user: string }) => turn.user)).toEqual(["secret plans"]);
      expect((await (await bob.history("alice-only")).json()).history.map((turn: { user: string }) => turn.user)).toEqual(["let me in"]);
      expect((await alice.delete("alice-only")).status).toBe(200);
      expect((await bob.history("alice-only")).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("keeps chats stored before there were owners with the keys without a name, and continues them", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-legacy-"));
    // A session as earlier versions stored it: one row holding the whole chat.
    const legacy = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${path.join(dataDir, "sessions.sqlite")}` }), namespace: "chats" });
    await legacy.set("old_chat", { system_prompt: "Be old.", history: [{ user: "before", assistant: "then" }], windowStart: 0 });
    await legacy.disconnect();

    const server = await startTestServer({ runner, dataDir, env: { LLAMA_API_KEY: KEYS } });
    try {
      const plain = as(server, "plain-key-1");
      expect(await plain.list()).toEqual(["old_chat"]);
      expect(await as(server, "key-of-alice-1").list()).toEqual([]);
      await plain.chat("old_chat", "and now");
      const history = await (await plain.history("old_chat")).json();
      expect(history.system_prompt).toBe("Be old.");
      expect(history.history.map((turn: { user: string }) => turn.user)).toEqual(["before", "and now"]);
    } finally {
      await server.close();
    }
  });
});

describe("GET /chats", () => {
  it("pages through the owner's chats in id order with limit and after", async () => {
    const server = await startTestServer({ runner });
    try {
      const ids = Array.from({ length: 25 }, (_, index) => `chat_${String(index).padStart(2, "0")}`);
      for (const chatId of ids) await server.store.setMeta({ owner: "", chatId }, { system_prompt: null, windowStart: 0, turnCount: 0 });
      await server.store.setMeta({ owner: "someone", chatId: "hidden" }, { system_prompt: null, windowStart: 0, turnCount: 0 });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const query = new URLSearchParams({ limit: "10", ...(after === undefined ? {} : { after }) });
        const page = await (await fetch(`${server.url}/chats?${query}`, { headers: server.headers })).json();
        seen.push(...page.chat_ids);
        after = page.next_after;
        if (after === undefined) break;
      }
      expect(seen).toEqual(ids);
      const all = await (await fetch(`${server.url}/chats`, { headers: server.headers })).json();
      expect(all).toEqual({ chat_ids: ids });
      expect((await fetch(`${server.url}/chats?limit=0`, { headers: server.headers })).status).toBe(400);
      expect((await fetch(`${server.url}/chats?after=../x`, { headers: server.headers })).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it("reads only the key index, never a session row (SQLite's plan for the listing query)", async () => {
    const server = await startTestServer({ runner });
    try {
      const sqlite = new KeyvSqlite({ uri: `sqlite://${path.join(server.dataDir, "sessions.sqlite")}` });
      for (const [owner, page] of [["", {}], ["alice", { limit: 10, after: "b" }]] as const) {
        const { sql, params } = chatListQuery("keyv", "chats", owner, page);
        const plan = (await sqlite.query(`EXPLAIN QUERY PLAN ${sql}`, ...params)) as Array<{ detail: string }>;
        expect(plan.map((row) => row.detail).join(" ")).toMatch(/USING COVERING INDEX/);
      }
      await sqlite.disconnect();
    } finally {
      await server.close();
    }
  });
});
