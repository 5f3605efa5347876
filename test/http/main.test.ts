import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { spawnServer, waitUntilReady } from "../support/spawnServer.js";

describe("the server process", () => {
  it("creates an API key on first start (mode 0600), prints it once, and reuses it", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-main-"));
    const env = { LLAMA_MODEL: TEST_MODEL_PATH, LLAMA_API_DATA_DIR: dataDir };

    const first = await spawnServer(env);
    await waitUntilReady(first.url);
    const key = /X-API-Key: (\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    const stat = await fs.stat(path.join(dataDir, "api-key"));
    expect(stat.mode & 0o777).toBe(0o600);
    expect((await fetch(`${first.url}/chats`)).status).toBe(401);
    expect((await fetch(`${first.url}/chats`, { headers: { "X-API-Key": key! } })).status).toBe(200);
    expect(first.output()).toMatch(/TEST MODEL WITH RANDOM WEIGHTS/);
    expect(await first.stop("SIGTERM")).toBe(0);

    const second = await spawnServer(env);
    await waitUntilReady(second.url);
    expect(second.output()).not.toContain(key!);
    expect((await fetch(`${second.url}/chats`, { headers: { "X-API-Key": key! } })).status).toBe(200);
    expect(await second.stop("SIGINT")).toBe(0);
  });

  it("exits cleanly on SIGTERM while the model is still loading, closing the store", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-main-"));
    const env = { LLAMA_MODEL: TEST_MODEL_PATH, LLAMA_API_DATA_DIR: dataDir, LLAMA_API_KEY: "a-key-for-this-test" };
    const server = await spawnServer(env, ["--import", "./test/support/holdModelLoad.ts"]);
    // Listening, and provably still loading; the store is open and has been written to.
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
    const written = await fetch(`${server.url}/history/kept/system_prompt`, {
      method: "POST",
      headers: { "X-API-Key": env.LLAMA_API_KEY, "Content-Type": "application/json" },
      body: JSON.stringify({ system_prompt: "Be brief." }),
    });
    expect(written.status).toBe(200);
    await fs.access(path.join(dataDir, "sessions.sqlite-wal"));
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    expect(server.output()).not.toContain("model loaded");
    // SQLite removes the write-ahead log when its last connection closes: the store was closed, not abandoned.
    await expect(fs.access(path.join(dataDir, "sessions.sqlite-wal"))).rejects.toThrow();
  });

  it("stops at start-up with one line naming a bad setting", async () => {
    const child = await spawnServer({ LLAMA_MODEL: TEST_MODEL_PATH, LLAMA_CONTEXT_SIZE: "lots" }).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(child).toContain("exited with 1");
    expect(child).toContain("Invalid setting LLAMA_CONTEXT_SIZE");
  });
});
