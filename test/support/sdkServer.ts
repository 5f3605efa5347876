import { afterAll, beforeAll } from "vitest";
import OpenAI from "openai";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { loadTestRunner, startTestServer, TEST_KEY, type TestServer } from "./startTestServer.js";

export interface SdkServer {
  runner: NodeLlamaCppRunner;
  server: TestServer;
  /** The official client pointed at the server; it retries nothing, so each test sees every answer. */
  client: OpenAI;
  close(): Promise<void>;
}

/** The real server on the test model (temperature 1, a rate limit no test reaches) with an openai client for it. */
export async function startSdkServer(env: Record<string, string> = {}): Promise<SdkServer> {
  const runner = await loadTestRunner(env);
  const server = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "1000", LLAMA_TEMPERATURE: "1", ...env } });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
  return {
    runner,
    server,
    client,
    async close() {
      await server.close();
      await runner.dispose();
    },
  };
}

/** startSdkServer for a whole test file: started before its tests, closed after them; read its fields inside tests. */
export function useSdkServer(env: Record<string, string> = {}): SdkServer {
  const holder = {} as SdkServer;
  beforeAll(async () => {
    Object.assign(holder, await startSdkServer(env));
  });
  afterAll(async () => holder.close?.());
  return holder;
}
