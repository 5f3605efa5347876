import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { postChat as chat, turnsOf, until } from "../support/requests.js";
import { loadTestRunner, startTestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

describe("one chat, many requests", () => {
  it("runs 10 concurrent requests on one chat one after another and loses no turn", async () => {
    const server = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "100" } });
    try {
      const replies = await Promise.all(
        Array.from({ length: 10 }, async (_, index) => {
          const response = await chat(server, { message: `message ${index}`, chat_id: "crowded", max_tokens: 6 });
          expect(response.status).toBe(200);
          return response.text();
        }),
      );
      const turns = await turnsOf(server, "crowded");
      expect(turns).toHaveLength(10);
      expect(new Set(turns.map((turn) => turn.user))).toEqual(new Set(replies.map((_, index) => `message ${index}`)));
      for (const turn of turns) expect(replies).toContain(turn.assistant);
    } finally {
      await server.close();
    }
  });

  it("refuses with 429 once MAX_WAITING_PER_CHAT requests wait for one chat", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated, env: { MAX_WAITING_PER_CHAT: "2" } });
    try {
      const holder = chat(server, { message: "first", chat_id: "busy", max_tokens: 8 });
      await gated.started;
      const waiting = [
        chat(server, { message: "second", chat_id: "busy", max_tokens: 4 }),
        chat(server, { message: "third", chat_id: "busy", max_tokens: 4 }),
      ];
      // Once both wait on the chat's lock (the server's own gauge says so), one more is refused.
      await until(async () => (await (await fetch(`${server.url}/metrics`)).text()).includes("llama_api_chat_lock_waiting 2"));
      const refused = await chat(server, { message: "fourth", chat_id: "busy", max_tokens: 4 });
      expect(refused.status).toBe(429);
      expect((await refused.json()).detail).toContain("busy");
      gated.open();
      for (const response of [await holder, ...(await Promise.all(waiting))]) {
        expect(response.status).toBe(200);
        await response.text();
      }
      expect(await turnsOf(server, "busy")).toHaveLength(3);
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("does not make other chats wait, and a DELETE waits for the running turn without resurrecting it", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({ runner: gated });
    try {
      await fetch(`${server.url}/history/other/system_prompt`, {
        method: "POST",
        headers: server.headers,
        body: JSON.stringify({ system_prompt: "x" }),
      });
      const running = chat(server, { message: "long reply", chat_id: "held", max_tokens: 8 });
      await gated.started;

      // Another chat's lock is free while "held" is busy.
      const setOther = await fetch(`${server.url}/history/other/system_prompt`, {
        method: "POST",
        headers: server.headers,
        body: JSON.stringify({ system_prompt: "y" }),
      });
      expect(setOther.status).toBe(200);
      expect((await fetch(`${server.url}/history/other`, { method: "DELETE", headers: server.headers })).status).toBe(200);

      let deleted = false;
      const deletion = fetch(`${server.url}/history/held`, { method: "DELETE", headers: server.headers }).then((response) => {
        deleted = true;
        return response;
      });
      const setHeld = fetch(`${server.url}/history/held/system_prompt`, {
        method: "POST",
        headers: server.headers,
        body: JSON.stringify({ system_prompt: "late" }),
      });
      expect(gated.finished).toBe(false);
      expect(deleted).toBe(false);
      gated.open();
      await (await running).text();
      expect((await deletion).status).toBe(200);
      expect((await setHeld).status).toBe(200);
      // The turn was saved before the delete ran; the system prompt change came after it.
      const held = await fetch(`${server.url}/history/held`, { headers: server.headers });
      expect(await held.json()).toEqual({ system_prompt: "late", history: [] });
    } finally {
      gated.open();
      await server.close();
    }
  });

  it("LLAMA_REQUEST_TIMEOUT_S ends a reply (saved as interrupted) and a request still waiting (503, nothing saved)", async () => {
    // The running reply holds its chat's lock until the waiting request has timed out, whatever the timings.
    const gated = new GatedRunner(runner, { holdThroughAbort: true });
    const server = await startTestServer({ runner: gated, env: { LLAMA_REQUEST_TIMEOUT_S: "3" } });
    try {
      const running = await chat(server, { message: "slow", chat_id: "timed", max_tokens: 50 });
      expect(running.status).toBe(200);
      const waiting = await chat(server, { message: "queued", chat_id: "timed", max_tokens: 4 });
      expect(waiting.status).toBe(503);
      expect(waiting.headers.get("retry-after")).not.toBeNull();
      expect((await waiting.json()).detail).toContain("timed out");
      gated.open();
      // The reply stream is cut: the client sees a truncated transfer, not a clean end.
      const received = await running.text().then(() => "clean end", (error: Error) => `truncated: ${error.message}`);
      expect(received).toMatch(/^truncated/);
      const turns = await turnsOf(server, "timed");
      expect(turns).toHaveLength(1);
      expect(turns[0]).toMatchObject({ user: "slow", interrupted: "timeout" });
      expect(turns[0].assistant.length).toBeGreaterThan(0);
    } finally {
      gated.open();
      await server.close();
    }
  });
});
