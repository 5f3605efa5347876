import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { complete, say, type Usage } from "../support/requests.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

const ENV = { LLAMA_TEMPERATURE: "0", RATE_LIMIT_CHATS_PER_HOUR: "10000", LLAMA_CONTEXT_SIZE: "1024" };

let runner: NodeLlamaCppRunner;
let server: TestServer;
beforeAll(async () => {
  runner = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "2" });
  server = await startTestServer({ runner, env: ENV });
});
afterAll(async () => {
  await server.close();
  await runner.dispose();
});

const evaluated = (usage: Usage) => usage.prompt_tokens - usage.prompt_tokens_details.cached_tokens;

/** Tokens the new turn adds to the prompt: what dry_run counts now minus the prompt and reply before it. */
async function newTurnTokens(chatId: string, message: string, before: Usage): Promise<number> {
  const response = await fetch(`${server.url}/chat?dry_run=true`, {
    method: "POST",
    headers: server.headers,
    body: JSON.stringify({ message, chat_id: chatId, max_tokens: 12 }),
  });
  return Number(response.headers.get("x-prompt-tokens")) - before.prompt_tokens - before.completion_tokens;
}

describe("resident chat caches", () => {
  it("a follow-up turn evaluates only its new tokens", async () => {
    const first = await say(server, "resident", "Tell me about the sea and the ships on it.");
    let previous = first.usage;
    for (const message of ["And the harbour?", "What about the lighthouse keeper and his dog?", "Thanks!"]) {
      const expected = await newTurnTokens("resident", message, previous);
      const { usage } = await say(server, "resident", message);
      expect(evaluated(usage)).toBeLessThanOrEqual(expected + 8);
      expect(usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(previous.prompt_tokens + previous.completion_tokens - 1);
      previous = usage;
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/llama_api_prompt_tokens_cached_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it("a stateless client resending the conversation reuses the cache, its replies included", async () => {
    const question = { role: "user", content: "Name three rivers in a long sentence." };
    const first = await complete(server, { messages: [question] });
    const second = await complete(server, {
      messages: [question, { role: "assistant", content: first.text }, { role: "user", content: "And three lakes?" }],
    });
    // Everything up to the end of the first reply came from the cache.
    expect(second.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens + first.usage.completion_tokens - 1);
  });

  it("a stateless conversation resent turn after turn reuses the cache through every earlier reply", async () => {
    const messages: Array<{ role: string; content: string }> = [];
    let previous: Usage | undefined;
    for (let turn = 1; turn <= 5; turn++) {
      messages.push({ role: "user", content: `Turn ${turn}: tell me about the sea and its ships.` });
      const { text, usage } = await complete(server, { messages, max_tokens: 16 });
      if (previous !== undefined) {
        expect(usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(previous.prompt_tokens + previous.completion_tokens - 1);
      }
      messages.push({ role: "assistant", content: text });
      previous = usage;
    }
  });

  it("a chat whose sequence was recycled is rebuilt from its stored session, with the same tokens", async () => {
    const single = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "1", LLAMA_CACHE_RAM_MB: "0" });
    const evicting = await startTestServer({ runner: single, env: ENV });
    try {
      await say(evicting, "chat_a", "The first chat starts here.");
      await say(evicting, "chat_b", "Another chat takes the only sequence.");
      const back = await say(evicting, "chat_a", "Back to the first chat.");
      // Evicted: the whole prompt is evaluated again, and exactly as long as it would have been.
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeLessThan(10);
      const again = await say(evicting, "chat_a", "And once more.");
      expect(again.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(back.usage.prompt_tokens + back.usage.completion_tokens - 1);
      expect((await (await fetch(`${evicting.url}/history/chat_a`, { headers: evicting.headers })).json()).history).toHaveLength(3);
    } finally {
      await evicting.close();
      await single.dispose();
    }
  });
});

describe("the evicted-state RAM cache", () => {
  it("loads a recycled chat's cache back instead of evaluating its history again, with the same reply", async () => {
    const single = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "1" });
    const ram = await startTestServer({ runner: single, env: ENV });
    const long = (topic: string) => `Let us talk at length about ${topic}, its history, its people and its places. `.repeat(4);
    try {
      const first = await say(ram, "ram_a", long("the sea"));
      await say(ram, "ram_b", long("the mountains"));
      const snapshot = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-ram-"));
      const copy = await KeyvSessionStore.open(snapshot);
      await copy.set({ owner: "", chatId: "ram_a" }, (await ram.store.get({ owner: "", chatId: "ram_a" }))!);
      await copy.close();

      const back = await say(ram, "ram_a", "Back to the sea.");
      // Restored: everything up to the end of the first reply came from the saved cache.
      expect(back.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens + first.usage.completion_tokens - 1);

      const freshRunner = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "1" });
      const fresh = await startTestServer({ runner: freshRunner, env: ENV, dataDir: snapshot });
      try {
        const cold = await say(fresh, "ram_a", "Back to the sea.");
        expect(cold.usage.prompt_tokens_details.cached_tokens).toBeLessThan(10);
        expect(back.text).toBe(cold.text);
      } finally {
        await fresh.close();
        await freshRunner.dispose();
      }
    } finally {
      await ram.close();
      await single.dispose();
    }
  });
});

describe("never stale: after each change the next reply equals a fresh server's on the same stored session", () => {
  /** The reply the live server gives next, and the reply a newly started server gives from a copy of its data. */
  async function liveAndFresh(chatId: string, message: string): Promise<[string, string]> {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-fresh-"));
    const snapshotStore = await KeyvSessionStore.open(copy);
    const session = await server.store.get({ owner: "", chatId });
    if (session !== undefined) await snapshotStore.set({ owner: "", chatId }, session);
    await snapshotStore.close();

    const live = await say(server, chatId, message);
    const freshRunner = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "2" });
    const fresh = await startTestServer({ runner: freshRunner, env: ENV, dataDir: copy });
    try {
      const cold = await say(fresh, chatId, message);
      expect(cold.usage.prompt_tokens).toBe(live.usage.prompt_tokens);
      return [live.text, cold.text];
    } finally {
      await fresh.close();
      await freshRunner.dispose();
    }
  }

  it("a system-prompt change", async () => {
    await say(server, "sys_change", "Hello there, how are you?");
    await say(server, "sys_change", "Fine, thanks.");
    await fetch(`${server.url}/history/sys_change/system_prompt`, {
      method: "POST",
      headers: server.headers,
      body: JSON.stringify({ system_prompt: "You speak like a pirate." }),
    });
    const [live, fresh] = await liveAndFresh("sys_change", "What now?");
    expect(live).toBe(fresh);
  });

  it("a delete", async () => {
    await say(server, "deleted", "Remember the number seven.");
    await fetch(`${server.url}/history/deleted`, { method: "DELETE", headers: server.headers });
    const [live, fresh] = await liveAndFresh("deleted", "Remember the number seven.");
    expect(live).toBe(fresh);
  });

  it("an interrupted turn", async () => {
    await say(server, "cut_short", "Start of a chat.");
    const gated = new GatedRunner(runner, 2);
    const gatedServer = await startTestServer({ runner: gated, env: ENV, dataDir: server.dataDir });
    try {
      const controller = new AbortController();
      const response = await fetch(`${gatedServer.url}/chat`, {
        method: "POST",
        headers: gatedServer.headers,
        body: JSON.stringify({ message: "Say a lot.", chat_id: "cut_short", max_tokens: 40 }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await gated.lastResult;
      for (;;) {
        const turns = (await gatedServer.store.get({ owner: "", chatId: "cut_short" }))?.history ?? [];
        if (turns.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      gated.open();
      await gatedServer.close();
    }
    const [live, fresh] = await liveAndFresh("cut_short", "Go on.");
    expect(live).toBe(fresh);
  });

  it("a context overflow that moves the window", async () => {
    const long = "Tell me everything about the history of sailing ships and their crews. ".repeat(4);
    let windowMoved = false;
    for (let turn = 0; turn < 20 && !windowMoved; turn++) {
      await say(server, "overflow", `${turn}: ${long}`, { max_tokens: 40 });
      windowMoved = ((await server.store.get({ owner: "", chatId: "overflow" }))?.windowStart ?? 0) > 0;
    }
    expect(windowMoved).toBe(true);
    const [live, fresh] = await liveAndFresh("overflow", "And finally?");
    expect(live).toBe(fresh);
  });
});

describe("the wait queue", () => {
  it("refuses with 503 and Retry-After when LLAMA_MAX_QUEUE requests already wait for a sequence", async () => {
    const single = await loadTestRunner({ ...ENV, LLAMA_PARALLEL: "1", LLAMA_MAX_QUEUE: "1" });
    const gated = new GatedRunner(single);
    const busy = await startTestServer({ runner: gated, env: ENV });
    try {
      const holding = fetch(`${busy.url}/chat`, { method: "POST", headers: busy.headers, body: JSON.stringify({ message: "a", chat_id: "q1", max_tokens: 5 }) });
      await gated.started;
      const waiting = fetch(`${busy.url}/chat`, { method: "POST", headers: busy.headers, body: JSON.stringify({ message: "b", chat_id: "q2", max_tokens: 5 }) });
      while (single.queueDepth < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await (await fetch(`${busy.url}/metrics`)).text()).toContain("llama_api_queue_depth 1");
      const refused = await fetch(`${busy.url}/chat`, { method: "POST", headers: busy.headers, body: JSON.stringify({ message: "c", chat_id: "q3", max_tokens: 5 }) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).not.toBeNull();
      expect((await refused.json()).detail).toContain("LLAMA_MAX_QUEUE");
      gated.open();
      expect((await holding).status).toBe(200);
      expect((await waiting).status).toBe(200);
      const metrics = await (await fetch(`${busy.url}/metrics`)).text();
      expect(metrics).toMatch(/llama_api_queue_wait_seconds_count \d+/);
    } finally {
      gated.open();
      await busy.close();
      await single.dispose();
    }
  });
});
