import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
let server: TestServer;

beforeAll(async () => {
  runner = await loadTestRunner();
  server = await startTestServer({ runner });
});
afterAll(async () => {
  await server.close();
  await runner.dispose();
});

const call = (method: string, path: string, body?: unknown, target: TestServer = server) =>
  fetch(`${target.url}${path}`, {
    method,
    headers: target.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("history management", () => {
  it("lists chats, sets, clears and reads the system prompt, deletes", async () => {
    expect(await (await call("GET", "/chats")).json()).toEqual({ chat_ids: [] });

    const set = await call("POST", "/history/user123_session_1/system_prompt", {
      system_prompt: "You are a helpful assistant that always responds in rhymes.",
    });
    expect(set.status).toBe(200);
    expect(await (await call("GET", "/history/user123_session_1")).json()).toEqual({
      system_prompt: "You are a helpful assistant that always responds in rhymes.",
      history: [],
    });
    await (await call("POST", "/chat", { message: "hi", chat_id: "user123_session_1", max_tokens: 4 })).text();
    await (await call("POST", "/chat", { message: "hi", max_tokens: 4 })).text();
    expect(await (await call("GET", "/chats")).json()).toEqual({ chat_ids: ["default", "user123_session_1"] });

    await call("POST", "/history/user123_session_1/system_prompt", { system_prompt: null });
    const cleared = await (await call("GET", "/history/user123_session_1")).json();
    expect(cleared.system_prompt).toBeNull();
    expect(cleared.history).toHaveLength(1);

    const deleted = await call("DELETE", "/history/user123_session_1");
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ detail: "Chat history 'user123_session_1' deleted." });
    expect((await call("GET", "/history/user123_session_1")).status).toBe(404);
    expect(await (await call("GET", "/chats")).json()).toEqual({ chat_ids: ["default"] });
  });

  it("answers 404 for an unknown chat on GET and DELETE", async () => {
    for (const method of ["GET", "DELETE"]) {
      const response = await call(method, "/history/nobody_here");
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ detail: expect.stringContaining("nobody_here") });
    }
  });

  it("rejects bad chat ids and bad system prompts with 400, storing nothing", async () => {
    expect((await call("GET", "/history/bad%20id")).status).toBe(400);
    expect((await call("DELETE", "/history/bad.id")).status).toBe(400);
    expect((await call("POST", "/history/bad$id/system_prompt", { system_prompt: "x" })).status).toBe(400);
    const wrongType = await call("POST", "/history/typed/system_prompt", { system_prompt: 5 });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).detail).toContain("system_prompt");
    expect((await call("POST", "/history/typed/system_prompt", {})).status).toBe(400);
    const ids = (await (await call("GET", "/chats")).json()).chat_ids;
    expect(ids).not.toContain("typed");
  });

  it("needs the API key", async () => {
    for (const [method, path] of [["GET", "/chats"], ["GET", "/history/default"], ["DELETE", "/history/default"]] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status).toBe(401);
    }
  });

  it("keeps sessions across a restart on the same data dir", async () => {
    const first = await startTestServer({ runner });
    await call("POST", "/history/persist/system_prompt", { system_prompt: "Be brief." }, first);
    const reply = await (await call("POST", "/chat", { message: "remember me", chat_id: "persist", max_tokens: 8 }, first)).text();
    await first.close();

    const second = await startTestServer({ runner, dataDir: first.dataDir });
    try {
      expect(await (await call("GET", "/history/persist", undefined, second)).json()).toEqual({
        system_prompt: "Be brief.",
        history: [{ user: "remember me", assistant: reply }],
      });
      expect((await (await call("GET", "/chats", undefined, second)).json()).chat_ids).toEqual(["persist"]);
    } finally {
      await second.close();
    }
  });
});
