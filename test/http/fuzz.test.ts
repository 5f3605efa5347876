import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUZZ_ENV, FUZZ_KEYS } from "../../scripts/fuzz/fuzzEnv.js";
import { fuzzServer } from "../../scripts/fuzz/fuzzServer.js";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { loadTestRunner, startTestServer, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
let server: TestServer;
beforeAll(async () => {
  runner = await loadTestRunner();
  server = await startTestServer({ runner, env: FUZZ_ENV });
});
afterAll(async () => {
  await server.close();
  await runner.dispose();
});

describe("hostile input (fast-check, 500 cases; `npm run fuzz` for a long run)", () => {
  it("always gets an answer, JSON when it is an error, never a 5xx but 503 (or 501 for an unknown method), shows no stack or source path, changes stored chats only on a 2xx, and leaves nothing in flight", async () => {
    const { cases, statuses } = await fuzzServer({ url: server.url, keys: FUZZ_KEYS, runs: 500 });
    expect(cases).toBe(500);
    // The cases reach past the key check and the validation, not only the front door.
    expect(statuses[200] ?? 0).toBeGreaterThan(0);
    expect(statuses[400] ?? 0).toBeGreaterThan(0);
    expect(statuses[401] ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
