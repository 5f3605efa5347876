import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/startTestServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe("monitoring", () => {
  it("GET /health needs no key and names the model and runner, never a path", async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", model: "test-model.gguf", runner: "node" });
    expect(JSON.stringify(body)).not.toContain("/");
  });

  it("GET /metrics is public Prometheus text with the server's own metrics", async () => {
    await fetch(`${server.url}/chats`, { headers: server.headers });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toMatch(/llama_api_http_requests_total\{method="GET",route="\/chats",status="200"\} 1/);
    expect(text).toContain("llama_api_model_loaded 1");
  });

  it("METRICS_REQUIRE_KEY=true protects /metrics", async () => {
    const guarded = await startTestServer({ noModel: true, env: { METRICS_REQUIRE_KEY: "true" } });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: guarded.headers })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it("while the model loads, /health and /chat answer 503 with Retry-After and history still works", async () => {
    const loading = await startTestServer({ noModel: true });
    try {
      const health = await fetch(`${loading.url}/health`);
      expect(health.status).toBe(503);
      expect((await health.json()).status).toBe("loading");
      const chat = await fetch(`${loading.url}/chat`, {
        method: "POST",
        headers: loading.headers,
        body: JSON.stringify({ message: "hi" }),
      });
      expect(chat.status).toBe(503);
      expect(chat.headers.get("retry-after")).not.toBeNull();
      expect(await chat.json()).toEqual({ detail: expect.any(String) });
      expect((await fetch(`${loading.url}/chats`, { headers: loading.headers })).status).toBe(200);
      expect((await fetch(`${loading.url}/metrics`)).status).toBe(200);
    } finally {
      await loading.close();
    }
  });

  it("unknown routes answer 404 in the seed's error shape", async () => {
    const response = await fetch(`${server.url}/nope`, { headers: server.headers });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
  });
});

describe("metrics format", () => {
  const promtool = findPromtool();
  // CI installs promtool (see .ci/run); only a local run without it may skip, and says so.
  if (promtool === undefined && process.env["CI"] === undefined) {
    console.warn("promtool not found (set PROMTOOL or put it on PATH): skipping the promtool check");
  }
  it.skipIf(promtool === undefined && process.env["CI"] === undefined)("passes `promtool check metrics`", async () => {
    expect(promtool, "promtool is required in CI").toBeDefined();
    await fetch(`${server.url}/chat`, {
      method: "POST",
      headers: server.headers,
      body: JSON.stringify({ message: "count my tokens", max_tokens: 4 }),
    }).then((response) => response.text());
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of [
      "llama_api_http_requests_total",
      "llama_api_http_request_duration_seconds_bucket",
      "llama_api_prompt_tokens_total",
      "llama_api_generated_tokens_total",
      "llama_api_time_to_first_token_seconds_bucket",
      "llama_api_generation_tokens_per_second_bucket",
      "llama_api_requests_in_flight",
      "llama_api_model_loaded",
      "llama_api_rate_limited_total",
    ]) {
      expect(text).toContain(name);
    }
    const result = spawnSync(promtool!, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  });
});

function findPromtool(): string | undefined {
  const candidates = [process.env["PROMTOOL"], ...(process.env["PATH"] ?? "").split(":").map((dir) => `${dir}/promtool`)];
  return candidates.find((candidate) => candidate !== undefined && candidate !== "/promtool" && existsSync(candidate));
}
