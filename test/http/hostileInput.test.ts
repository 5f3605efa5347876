import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { rawRequest } from "../support/rawRequest.js";
import { loadTestRunner, startTestServer, TEST_KEY, type TestServer } from "../support/startTestServer.js";

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

const withKey = { "X-API-Key": TEST_KEY };
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe("every answer is JSON", () => {
  it("405 for a method a path does not take, 501 for one the server does not know, with the Allow header", async () => {
    const wrongMethod = await rawRequest(server.url, { method: "PUT", path: "/chats", headers: withKey });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(wrongMethod.body)).toEqual({ detail: expect.any(String) });
    expect(wrongMethod.headers["allow"]).toContain("GET");
    const v1 = await rawRequest(server.url, { method: "DELETE", path: "/v1/models", headers: withKey });
    expect(v1.status).toBe(405);
    expect(json(v1.body)).toMatchObject({ error: { code: "method_not_allowed" } });
    const unknown = await rawRequest(server.url, { method: "PROPFIND", path: "/chats", headers: withKey });
    expect(unknown.status).toBe(501);
    expect(json(unknown.body)).toEqual({ detail: expect.any(String) });
  });

  it("400 for a compressed body that does not decompress, 415 for an encoding it does not know; nothing stored", async () => {
    const headers = { ...withKey, "Content-Type": "application/json" };
    const broken = await rawRequest(server.url, {
      method: "POST",
      path: "/chat",
      headers: { ...headers, "Content-Encoding": "gzip" },
      body: Buffer.from("this is not gzip at all"),
    });
    expect(broken.status).toBe(400);
    expect(json(broken.body)).toEqual({ detail: expect.stringContaining("decompress") });
    const unknown = await rawRequest(server.url, {
      method: "POST",
      path: "/chat",
      headers: { ...headers, "Content-Encoding": "zstd-ish" },
      body: "{}",
    });
    expect(unknown.status).toBe(415);
    // A good gzip body is read as usual.
    const good = await rawRequest(server.url, {
      method: "POST",
      path: "/chat?dry_run=true",
      headers: { ...headers, "Content-Encoding": "gzip" },
      body: gzipSync(JSON.stringify({ message: "compressed" })),
    });
    expect(good.status).toBe(200);
    expect(json((await rawRequest(server.url, { path: "/chats", headers: withKey })).body)).toEqual({ chat_ids: [] });
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "..%2Fpackage.json"])(
    "GET /docs/%s is a 404 in JSON, not an empty reply",
    async (name) => {
      const response = await rawRequest(server.url, { path: `/docs/${name}` });
      expect(response.status).toBe(404);
      expect(json(response.body)).toEqual({ detail: expect.any(String) });
    },
  );
});

describe("the Host check", () => {
  it("answers only for loopback names when listening on loopback: a DNS-rebinding page gets 421", async () => {
    for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
      for (const port of ["", `:${new URL(server.url).port}`]) {
        expect((await rawRequest(server.url, { path: "/health", headers: { Host: `${host}${port}` } })).status).toBe(200);
      }
    }
    for (const path of ["/health", "/metrics", "/openapi.json", "/docs", "/"]) {
      const rebound = await rawRequest(server.url, { path, headers: { Host: "evil.example:8000" } });
      expect(rebound.status).toBe(421);
      expect(json(rebound.body)).toEqual({ detail: expect.stringContaining("ALLOWED_HOSTS") });
    }
  });

  it("adds the names in ALLOWED_HOSTS", async () => {
    const named = await startTestServer({ runner, env: { ALLOWED_HOSTS: "llama.internal, api.example.com" } });
    try {
      expect((await rawRequest(named.url, { path: "/health", headers: { Host: "llama.internal:8000" } })).status).toBe(200);
      expect((await rawRequest(named.url, { path: "/health", headers: { Host: "API.example.com" } })).status).toBe(200);
      expect((await rawRequest(named.url, { path: "/health", headers: { Host: "other.example.com" } })).status).toBe(421);
    } finally {
      await named.close();
    }
  });
});
