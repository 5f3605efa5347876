import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { InProcessChatLock } from "../../src/sessions/InProcessChatLock.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { postChat as chat, turnsOf, until } from "../support/requests.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

const metricsOf = async (server: TestServer) => (await fetch(`${server.url}/metrics`)).text();

/**
 * Nothing is held any more: the in-flight gauge is back to 0, the chat's lock is free (a DELETE answers and a
 * new turn runs at once). Each test ends with a drain that must find nothing to wait for.
 */
async function expectReleased(server: TestServer, chatId: string): Promise<void> {
  await until(async () => (await metricsOf(server)).includes("llama_api_requests_in_flight 0"));
  expect(await metricsOf(server)).toContain("llama_api_chat_lock_waiting 0");
  const next = await chat(server, { message: "anyone there?", chat_id: chatId, max_tokens: 2 });
  expect(next.status).toBe(200);
  await next.text();
  const deleted = await fetch(`${server.url}/history/${chatId}`, { method: "DELETE", headers: server.headers });
  expect(deleted.status).toBe(200);
}

const long = "Tell me everything about the history of the river and the towns along it. ".repeat(30);

describe("every way a request ends releases what it holds, exactly once", () => {
  it("a client that leaves while its request waits for a sequence", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      const holder = chat(server, { message: "hold the only sequence", chat_id: "holder", max_tokens: 8 });
      await gated.paused;
      const leaving = new AbortController();
      const waiting = chat(server, { message: long, chat_id: "leaver", max_tokens: 8 }, leaving.signal).catch(() => "aborted");
      await until(async () => (await metricsOf(server)).includes("llama_api_queue_depth 1"));
      leaving.abort();
      expect(await waiting).toBe("aborted");
      gated.open();
      await (await holder).text();
      expect(await turnsOf(server, "leaver")).toEqual([]);
      await expectReleased(server, "leaver");
      await server.drain(0);
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("a client that leaves before its reply's first chunk, which then arrives anyway (the stream is never read)", async () => {
    const gated = new GatedRunner(runner, { pauseAfter: 0, holdThroughAbort: true });
    const server = await startTestServer({ runner: gated });
    try {
      const leaving = new AbortController();
      const request = chat(server, { message: long, chat_id: "unread", max_tokens: 8 }, leaving.signal).catch(() => "aborted");
      await gated.paused;
      leaving.abort();
      expect(await request).toBe("aborted");
      // The server notices the closed socket (its request log line says 499) before the first chunk comes.
      await until(async () => (await metricsOf(server)).includes('status="499"'));
      gated.open();
      await expectReleased(server, "unread");
      await server.drain(0);
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("a client that leaves mid-reply: the text it got is saved as interrupted", async () => {
    const gated = new GatedRunner(runner, { pauseAfter: 2 });
    const server = await startTestServer({ runner: gated });
    try {
      const leaving = new AbortController();
      const response = await chat(server, { message: "go on", chat_id: "midway", max_tokens: 50 }, leaving.signal);
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await gated.paused;
      leaving.abort();
      await until(async () => (await turnsOf(server, "midway")).length === 1);
      expect((await turnsOf(server, "midway"))[0]).toMatchObject({ user: "go on", interrupted: "client_disconnected" });
      await expectReleased(server, "midway");
      await server.drain(0);
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("20 clients that give up at any moment of a long prompt's evaluation or reply (curl -m 0.1) hold nothing", async () => {
    const server = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "1000" } });
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        // Spread over the whole life of a request: before the lock, in evaluation, at the first chunk, later.
        const signal = AbortSignal.timeout(attempt * 8);
        await chat(server, { message: long, chat_id: `impatient_${attempt % 4}`, max_tokens: 16 }, signal)
          .then((response) => response.text())
          .catch(() => undefined);
      }
      for (let chat = 0; chat < 4; chat++) await expectReleased(server, `impatient_${chat}`);
      await server.drain(0);
    } finally {
      await server.close();
    }
  });
});

describe("turns leave nothing behind on what outlives them", () => {
  it("the in-process lock's lease signal, which lives as long as the server, holds no listener after 12 turns", async () => {
    const server = await startTestServer({ runner });
    try {
      for (let turn = 0; turn < 12; turn++) {
        const response = await chat(server, { message: `turn ${turn}`, chat_id: `listeners_${turn % 3}`, max_tokens: 2 });
        expect(response.status).toBe(200);
        await response.text();
      }
      // Every in-process lease carries the same never-aborting signal: a listener left per turn would pile up.
      const lease = await new InProcessChatLock().acquire("probe");
      expect(getEventListeners(lease.lost, "abort")).toHaveLength(0);
      lease.release();
    } finally {
      await server.close();
    }
  });
});

describe("a turn is complete only when the client got all of it", () => {
  it("shutdown lets a reply that finishes within the grace period deliver its end before anything closes", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      const response = await chat(server, { message: "last one", chat_id: "graceful", max_tokens: 10 });
      await gated.paused;
      const drained = server.drain(60_000);
      gated.open();
      expect(await response.text().then(() => "clean end", () => "truncated")).toBe("clean end");
      await drained;
      const [turn] = await turnsOf(server, "graceful");
      expect(turn).toMatchObject({ user: "last one" });
      expect(turn.interrupted).toBeUndefined();
    } finally {
      gated.open();
      await server.close();
    }
  });
});
