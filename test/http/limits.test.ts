import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { until } from "../support/requests.js";
import { loadTestRunner, startTestServer, TEST_KEY, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner();
});
afterAll(async () => runner.dispose());

async function withServer(env: Record<string, string>, body: (server: TestServer) => Promise<void>) {
  const server = await startTestServer({ runner, env });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const post = (server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { ...server.headers, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("chat rate limit", () => {
  it("counts only requests accepted for generation, then answers 429 with Retry-After and rate-limit headers", async () => {
    await withServer({ RATE_LIMIT_CHATS_PER_HOUR: "2" }, async (server) => {
      for (let i = 0; i < 3; i++) {
        expect((await post(server, "/chat?dry_run=true", { message: "hi" })).status).toBe(200);
        expect((await post(server, "/chat", { message: "" })).status).toBe(400);
      }
      const first = await post(server, "/chat", { message: "one", max_tokens: 2 });
      expect(first.status).toBe(200);
      expect(first.headers.get("x-ratelimit-limit")).toBe("2");
      expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
      await first.text();
      const second = await post(server, "/chat", { message: "two", max_tokens: 2 });
      expect(second.status).toBe(200);
      await second.text();

      const third = await post(server, "/chat", { message: "three", max_tokens: 2 });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(third.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(await third.json()).toEqual({ detail: expect.stringContaining("Rate limit") });
      const history = await (await fetch(`${server.url}/history/default`, { headers: server.headers })).json();
      expect(history.history.map((turn: { user: string }) => turn.user)).toEqual(["one", "two"]);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('llama_api_rate_limited_total{limit="chats"} 1');
    });
  });
});

describe("503 refusals", () => {
  it("do not count against the chat rate limit, on /chat and /v1 alike", async () => {
    const server = await startTestServer({ noModel: true, env: { RATE_LIMIT_CHATS_PER_HOUR: "1" } });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await post(server, "/chat", { message: "hi" })).status).toBe(503);
        const v1 = await post(server, "/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] });
        expect(v1.status).toBe(503);
        expect(v1.headers.get("retry-after")).not.toBeNull();
        expect((await v1.json()).error).toMatchObject({ type: "server_error", code: "service_unavailable" });
      }
      server.host.ready(runner);
      const accepted = await post(server, "/chat", { message: "now", max_tokens: 2 });
      expect(accepted.status).toBe(200);
      await accepted.text();
      expect((await post(server, "/chat", { message: "again", max_tokens: 2 })).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe("refusals after a request was counted give the count back", () => {
  it("20 at once on 1 sequence with a queue of 1: only the 2 admitted count, the 18 refused (503) do not", async () => {
    const queueOfOne = await loadTestRunner({ LLAMA_MAX_QUEUE: "1" });
    const gated = new GatedRunner(queueOfOne);
    const server = await startTestServer({ runner: gated, env: { LLAMA_MAX_QUEUE: "1", RATE_LIMIT_CHATS_PER_HOUR: "30" } });
    try {
      const holder = post(server, "/chat", { message: "hold", chat_id: "holder", max_tokens: 4 });
      await gated.paused;
      const statuses: number[] = [];
      const rest = Array.from({ length: 19 }, (_, index) =>
        post(server, "/chat", { message: "me too", chat_id: `crowd_${index}`, max_tokens: 2 }).then((response) => {
          statuses.push(response.status);
          return response;
        }),
      );
      // The one that was admitted waits for the sequence the holder keeps until the gate opens.
      await until(() => statuses.length === 18);
      expect(statuses).toEqual(Array(18).fill(503));
      gated.open();
      for (const response of [await holder, ...(await Promise.all(rest))]) await response.text();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      // 30 - holder - the queued one - this one.
      const next = await post(server, "/chat", { message: "count me", chat_id: "later", max_tokens: 2 });
      expect(next.status).toBe(200);
      expect(next.headers.get("x-ratelimit-remaining")).toBe("27");
      await next.text();
    } finally {
      gated.open();
      await server.close();
      await queueOfOne.dispose();
    }
  });

  it("a prompt too long for the context, a busy chat and a client gone before its reply all give it back", async () => {
    const gated = new GatedRunner(runner);
    const server = await startTestServer({
      runner: gated,
      env: { MAX_WAITING_PER_CHAT: "0", RATE_LIMIT_CHATS_PER_HOUR: "10" },
    });
    try {
      // 4096-token context: the message and 4,000 reply tokens do not fit.
      const tooLong = await post(server, "/chat", { message: "word ".repeat(400), max_tokens: 4000 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.headers.get("x-ratelimit-remaining")).toBe("10");
      const holder = post(server, "/chat", { message: "hold", chat_id: "busy", max_tokens: 4 });
      await gated.paused;
      expect((await post(server, "/chat", { message: "me too", chat_id: "busy", max_tokens: 2 })).status).toBe(429);
      const leaving = new AbortController();
      const gone = fetch(`${server.url}/chat`, {
        method: "POST",
        headers: server.headers,
        body: JSON.stringify({ message: "bye", chat_id: "gone", max_tokens: 2 }),
        signal: leaving.signal,
      }).catch(() => "aborted");
      await until(async () => (await (await fetch(`${server.url}/metrics`)).text()).includes("llama_api_queue_depth 1"));
      leaving.abort();
      expect(await gone).toBe("aborted");
      gated.open();
      await (await holder).text();
      const next = await post(server, "/chat", { message: "count me", chat_id: "later", max_tokens: 2 });
      // 10 - holder - this one.
      expect(next.headers.get("x-ratelimit-remaining")).toBe("8");
      await next.text();
    } finally {
      gated.open();
      await server.close();
    }
  });
});

describe("authentication failures", () => {
  it("never count requests without a key: keyless traffic cannot lock the right key out, wrong keys still do", async () => {
    await withServer({ RATE_LIMIT_AUTH_FAILURES_PER_HOUR: "3" }, async (server) => {
      for (let i = 0; i < 150; i++) {
        const headers = i % 2 === 0 ? {} : { Authorization: "Bearer " };
        expect((await fetch(`${server.url}/chats`, { headers })).status).toBe(401);
      }
      expect((await fetch(`${server.url}/chats`, { headers: { "X-API-Key": TEST_KEY } })).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        expect((await fetch(`${server.url}/chats`, { headers: { "X-API-Key": `wrong-key-${i}xxxx` } })).status).toBe(401);
      }
      expect((await fetch(`${server.url}/chats`, { headers: { "X-API-Key": TEST_KEY } })).status).toBe(429);
    });
  });

  it("are limited per IP: past the limit even the right key gets 429", async () => {
    await withServer({ RATE_LIMIT_AUTH_FAILURES_PER_HOUR: "3" }, async (server) => {
      for (let i = 0; i < 3; i++) {
        expect((await fetch(`${server.url}/chats`, { headers: { "X-API-Key": `wrong-key-${i}xxxx` } })).status).toBe(401);
      }
      const blocked = await fetch(`${server.url}/chats`, { headers: { "X-API-Key": TEST_KEY } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await blocked.json()).detail).toContain("failed authentication");
    });
  });

  it("take the client IP from X-Forwarded-For only with TRUST_PROXY=true", async () => {
    const wrong = { "X-API-Key": "wrong-key-123456" };
    await withServer({ RATE_LIMIT_AUTH_FAILURES_PER_HOUR: "1", TRUST_PROXY: "true" }, async (server) => {
      const from = (ip: string, headers: Record<string, string>) =>
        fetch(`${server.url}/chats`, { headers: { ...headers, "X-Forwarded-For": ip } });
      expect((await from("203.0.113.1", wrong)).status).toBe(401);
      expect((await from("203.0.113.1", { "X-API-Key": TEST_KEY })).status).toBe(429);
      expect((await from("203.0.113.2", { "X-API-Key": TEST_KEY })).status).toBe(200);
    });
    await withServer({ RATE_LIMIT_AUTH_FAILURES_PER_HOUR: "1" }, async (server) => {
      const from = (ip: string, headers: Record<string, string>) =>
        fetch(`${server.url}/chats`, { headers: { ...headers, "X-Forwarded-For": ip } });
      expect((await from("203.0.113.1", wrong)).status).toBe(401);
      // The header is ignored: every request comes from 127.0.0.1, which is now blocked.
      expect((await from("203.0.113.2", { "X-API-Key": TEST_KEY })).status).toBe(429);
    });
  });
});

describe("request bodies", () => {
  it("must be JSON, small enough, well-formed and of the right types; errors never leak internals", async () => {
    await withServer({ MAX_BODY_BYTES: "2048", MAX_MESSAGE_CHARS: "100" }, async (server) => {
      const responses = [
        [await post(server, "/chat", "message=hi", { "Content-Type": "text/plain" }), 415],
        [await post(server, "/chat", "message=hi", { "Content-Type": "application/x-www-form-urlencoded" }), 415],
        [await post(server, "/chat", { message: "x".repeat(4000) }), 413],
        [await post(server, "/chat", { message: "x".repeat(101) }), 400],
        [await post(server, "/chat", '{"message": "hi",'), 400],
        [await post(server, "/chat", { message: ["hi"] }), 400],
        [await post(server, "/history/a/system_prompt", "[1, 2"), 400],
      ] as const;
      for (const [response, status] of responses) {
        expect(response.status).toBe(status);
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({ detail: expect.any(String) });
        expect(text).not.toMatch(/\/work\/|node_modules|\bat .*:\d+:\d+/);
      }
      const tooLong = await post(server, "/chat", { message: "x".repeat(101) });
      expect((await tooLong.json()).detail).toContain("message");
      expect((await (await fetch(`${server.url}/chats`, { headers: server.headers })).json()).chat_ids).toEqual([]);
    });
  });
});

describe("CORS", () => {
  it("is off by default", async () => {
    await withServer({}, async (server) => {
      const response = await fetch(`${server.url}/health`, { headers: { Origin: "http://app.example" } });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    });
  });

  it("CORS_ORIGINS allows the listed origins, and a preflight needs no key", async () => {
    await withServer({ CORS_ORIGINS: "http://app.example, http://other.example" }, async (server) => {
      const preflight = await fetch(`${server.url}/chat`, {
        method: "OPTIONS",
        headers: {
          Origin: "http://app.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type,x-api-key",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://app.example");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-api-key");

      const allowed = await fetch(`${server.url}/chats`, { headers: { ...server.headers, Origin: "http://other.example" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("http://other.example");
      const denied = await fetch(`${server.url}/chats`, { headers: { ...server.headers, Origin: "http://evil.example" } });
      expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
});
