import { describe, expect, it } from "vitest";
import { runLevel } from "../../scripts/loadtest/runLevel.js";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { spawnServer, waitUntilReady } from "../support/spawnServer.js";
import { TEST_KEY } from "../support/startTestServer.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

describe("a short load test (npm run loadtest for the full one)", () => {
  it("at 1x and 4x capacity: no 5xx but 503 refusals, no timeout, no lost turn, the server healthy after", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-load-"));
    const server = await spawnServer({
      LLAMA_MODEL: TEST_MODEL_PATH,
      LLAMA_API_KEY: TEST_KEY,
      LLAMA_API_DATA_DIR: dataDir,
      LLAMA_PARALLEL: "2",
      LLAMA_MAX_QUEUE: "2",
      LLAMA_THREADS: "1",
      RATE_LIMIT_CHATS_PER_HOUR: "1000000",
    });
    try {
      await waitUntilReady(server.url);
      for (const level of [1, 4]) {
        const result = await runLevel({
          url: server.url,
          key: TEST_KEY,
          connections: 4 * level,
          seconds: 3,
          maxTokens: 4,
          turnsPerChat: 5,
          label: `ci${level}x`,
        });
        const statuses = Object.keys(result.statuses).map(Number);
        expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
        expect(result.timeouts).toBe(0);
        expect(result.errors).toBe(0);
        expect(result.completedTurns).toBeGreaterThan(0);
        expect(result.lostTurns).toBe(0);
        if (level === 4) expect(result.statuses["503"] ?? 0).toBeGreaterThan(0);
      }
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
  }, 120_000);
});
