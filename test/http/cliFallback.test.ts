import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { loadRunner } from "../../src/llm/loadRunner.js";
import { llamaCliBinary } from "../support/llamaCliBinary.js";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { spawnServer, waitUntilReady } from "../support/spawnServer.js";
import { TEST_KEY } from "../support/startTestServer.js";

const binaryPath = llamaCliBinary();

describe("runner selection", () => {
  it("falls back only when the addon cannot load, not when the model does", async () => {
    const config = loadConfig({ LLAMA_CLI_PATH: "/usr/bin/env", LLAMA_GPU: "false" });
    const warnings: string[] = [];
    const options = { modelPath: "/nonexistent/model.gguf", onLog: () => undefined, warn: (m: string) => warnings.push(m) };
    await expect(loadRunner(config, options)).rejects.toThrow(/model\.gguf|ENOENT/);
    expect(warnings).toEqual([]);
  });

  it.skipIf(binaryPath === undefined)(
    "falls back to the binary when the native addon cannot load, and fits a long chat into a small context",
    async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-fallback-"));
      const server = await spawnServer(
        {
          LLAMA_MODEL: TEST_MODEL_PATH,
          LLAMA_API_KEY: TEST_KEY,
          LLAMA_API_DATA_DIR: dataDir,
          LLAMA_CLI_PATH: binaryPath!,
          LLAMA_CONTEXT_SIZE: "768",
          LLAMA_THREADS: "1",
        },
        // node-llama-cpp's addon fails to load in this process (see the file for how).
        ["--import", "./test/support/blockNativeAddon.ts"],
      );
      try {
        await waitUntilReady(server.url);
        expect(server.output()).toMatch(/native addon cannot load.*Falling back to the llama\.cpp binary/);
        expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: "ok", runner: "cli" });

        const headers = { "X-API-Key": TEST_KEY, "Content-Type": "application/json" };
        const turns = 12;
        for (let turn = 0; turn < turns; turn++) {
          const message = `Turn ${turn}: tell me one more thing about the sea and the sky, and what you think of them.`;
          const response = await fetch(`${server.url}/chat`, {
            method: "POST",
            headers,
            body: JSON.stringify({ message, chat_id: "long", max_tokens: 24 }),
          });
          expect(response.status, await response.clone().text()).toBe(200);
          await response.text();
        }
        const { history } = await (await fetch(`${server.url}/history/long`, { headers })).json();
        expect(history).toHaveLength(turns);
        // More turns than fit: the prompt has left the oldest ones out, and still fits.
        const dryRun = await fetch(`${server.url}/chat?dry_run=true`, {
          method: "POST",
          headers,
          body: JSON.stringify({ message: "and now?", chat_id: "long", max_tokens: 24 }),
        });
        const prompt = await dryRun.text();
        expect(prompt).not.toContain("Turn 0:");
        expect(prompt.endsWith("<|im_start|>user\nand now?<|im_end|>\n<|im_start|>assistant\n")).toBe(true);
        expect(Number(dryRun.headers.get("x-prompt-tokens"))).toBeLessThanOrEqual(768 - 24);
        expect(await server.stop("SIGTERM")).toBe(0);
      } finally {
        if (server.child.exitCode === null) await server.stop("SIGKILL");
      }
    },
  );
});
