import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { FailingRunner } from "../support/FailingRunner.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { postChat as chat, turnsOf, until } from "../support/requests.js";
import { loadTestRunner, startTestServer, TEST_KEY } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

describe("a client that disconnects mid-stream", () => {
  it("stops generation, frees the model, and its partial turn is saved as interrupted", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      const controller = new AbortController();
      const response = await chat(server, { message: "go on", chat_id: "leaver", max_tokens: 200 }, controller.signal);
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      controller.abort();

      await until(async () => (await turnsOf(server, "leaver")).length === 1);
      const [turn] = await turnsOf(server, "leaver");
      expect(turn).toMatchObject({ user: "go on", interrupted: "client_disconnected" });
      expect(turn.assistant.startsWith(first)).toBe(true);
      // Stopped within a couple of tokens of the abort, not after all 200.
      const result = await gated.lastResult!;
      expect(result.finishReason).toBe("abort");
      expect(result.generatedTokens).toBeLessThanOrEqual(3);

      // The model's only sequence is free again: the next request completes.
      gated.open();
      const next = await chat(server, { message: "again", chat_id: "stayer", max_tokens: 4 });
      expect(next.status).toBe(200);
      await next.text();
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain("llama_api_requests_in_flight 0");
    } finally {
      gated.open();
      await server.close();
    }
  });
});

describe("runner failures", () => {
  it("before any text: a 500 with a JSON detail that leaks nothing, and nothing stored", async () => {
    const server = await startTestServer({ runner: new FailingRunner(runner, 0) });
    try {
      const response = await chat(server, { message: "hi", chat_id: "broken" });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ detail: "Internal server error" });
      expect(text).not.toContain("/secret");
      expect(await turnsOf(server, "broken")).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("after text was sent: a truncated transfer, and the partial turn saved as interrupted", async () => {
    const server = await startTestServer({ runner: new FailingRunner(runner, 2) });
    try {
      const response = await chat(server, { message: "hi", chat_id: "halfway", max_tokens: 50 });
      expect(response.status).toBe(200);
      const outcome = await response.text().then(() => "clean end", () => "truncated");
      expect(outcome).toBe("truncated");
      const [turn] = await turnsOf(server, "halfway");
      expect(turn).toMatchObject({ user: "hi", interrupted: "error" });
      expect(turn.assistant.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});

describe("shutdown", () => {
  it("lets a reply finish within the grace period, refusing new requests meanwhile", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      const response = await chat(server, { message: "finish me", chat_id: "graceful", max_tokens: 6 });
      await gated.started;
      const drained = server.drain(60_000);
      const refused = await chat(server, { message: "too late", chat_id: "late", max_tokens: 4 });
      expect(refused.status).toBe(503);
      gated.open();
      expect(await response.text().then(() => "clean end", () => "truncated")).toBe("clean end");
      await drained;
      const [turn] = await turnsOf(server, "graceful");
      expect(turn.interrupted).toBeUndefined();
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("aborts what is still running when the grace period ends and saves it as interrupted", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      const response = await chat(server, { message: "never ends", chat_id: "cut", max_tokens: 100 });
      await gated.started;
      await server.drain(100);
      expect(await response.text().then(() => "clean end", () => "truncated")).toBe("truncated");
      await server.close();
      // Saved before drain resolved: read it straight from the SQLite file.
      const store = await KeyvSessionStore.open(server.dataDir);
      const session = await store.get({ owner: "", chatId: "cut" });
      await store.close();
      expect(session?.history[0]).toMatchObject({ user: "never ends", interrupted: "shutdown" });
    } finally {
      gated.open();
    }
  });
});

describe("request logs", () => {
  it("one JSON line per request with id, route, status, duration, chat and token counts, never key or text", async () => {
    const lines: string[] = [];
    const server = await startTestServer({ runner, logLines: lines });
    try {
      const response = await chat(server, { message: "a very private message", chat_id: "logged", max_tokens: 5 });
      const requestId = response.headers.get("x-request-id");
      await response.text();
      await fetch(`${server.url}/chats`, { headers: { "X-API-Key": "wrong-key-1234567" } });
      await until(async () => lines.some((line) => line.includes(requestId!)));
      const entry = JSON.parse(lines.find((line) => line.includes(requestId!))!);
      expect(entry).toMatchObject({
        requestId,
        method: "POST",
        route: "/chat",
        status: 200,
        chatId: "logged",
        promptTokens: expect.any(Number),
        generatedTokens: expect.any(Number),
        durationMs: expect.any(Number),
      });
      const all = lines.join("\n");
      expect(all).not.toContain("a very private message");
      expect(all).not.toContain(TEST_KEY);
      expect(all).not.toContain("wrong-key-1234567");
    } finally {
      await server.close();
    }
  });
});
