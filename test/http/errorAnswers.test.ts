import OpenAI, { RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { until } from "../support/requests.js";
import { loadTestRunner, startTestServer, TEST_KEY } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;

beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

const ask = { model: "m", messages: [{ role: "user" as const, content: "hi" }], max_tokens: 2 };

describe("when to retry", () => {
  it("a 429 that lasts over a minute says x-should-retry: false, so the openai package (default maxRetries) raises at once", async () => {
    const server = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "1" } });
    try {
      let requests = 0;
      const client = new OpenAI({
        baseURL: `${server.url}/v1`,
        apiKey: TEST_KEY,
        fetch: (url, init) => {
          requests += 1;
          return fetch(url, init);
        },
      });
      expect(client.maxRetries).toBe(2);
      await client.chat.completions.create(ask);

      const refused = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: server.headers, body: JSON.stringify(ask) });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
      expect(refused.headers.get("x-should-retry")).toBe("false");
      await refused.text();

      requests = 0;
      await expect(client.chat.completions.create(ask)).rejects.toBeInstanceOf(RateLimitError);
      // Without the header the SDK would sleep the whole Retry-After (about an hour) before its first retry.
      expect(requests).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("a refusal with a short wait leaves retrying to the client", async () => {
    const server = await startTestServer({ noModel: true });
    try {
      const loading = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: server.headers, body: JSON.stringify(ask) });
      expect(loading.status).toBe(503);
      expect(loading.headers.get("retry-after")).toBe("5");
      expect(loading.headers.get("x-should-retry")).toBeNull();
    } finally {
      await server.close();
    }
  });
});

describe("the log line of a refused request", () => {
  it("records the error's kind and reason, never the message text or the key", async () => {
    const lines: string[] = [];
    const server = await startTestServer({ runner, logLines: lines });
    try {
      const invalid = await fetch(`${server.url}/chat`, {
        method: "POST",
        headers: server.headers,
        body: JSON.stringify({ message: "a very private message", temperature: 5 }),
      });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toEqual({ detail: "'temperature' must be at most 2." });
      const unauthorized = await fetch(`${server.url}/chats`, { headers: { "X-API-Key": "wrong-key-1234567" } });
      expect(unauthorized.status).toBe(401);
      await unauthorized.text();

      const entryOf = (requestId: string | null) => lines.map((line) => JSON.parse(line)).find((entry) => entry.requestId === requestId);
      await until(() => entryOf(unauthorized.headers.get("x-request-id")) !== undefined);
      expect(entryOf(invalid.headers.get("x-request-id"))).toMatchObject({
        route: "/chat",
        status: 400,
        error: "invalid_request",
        reason: "'temperature' must be at most 2.",
      });
      expect(entryOf(unauthorized.headers.get("x-request-id"))).toMatchObject({
        status: 401,
        error: "unauthorized",
        reason: "Invalid or missing API key.",
      });
      const all = lines.join("\n");
      expect(all).not.toContain("a very private message");
      expect(all).not.toContain("wrong-key-1234567");
      expect(all).not.toContain(TEST_KEY);
    } finally {
      await server.close();
    }
  });
});
