import fs from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../../src/config/loadConfig.js";
import { ModelHost } from "../../src/chat/ModelHost.js";
import type { Runner } from "../../src/llm/Runner.js";
import { NodeLlamaCppRunner, type NodeLlamaCppRunnerOptions } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { createLogger } from "../../src/observability/createLogger.js";
import { Metrics } from "../../src/observability/Metrics.js";
import { answerClientErrors } from "../../src/server/answerClientErrors.js";
import { ApiKeys } from "../../src/server/auth/ApiKeys.js";
import { createApp } from "../../src/server/createApp.js";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { TEST_MODEL_PATH } from "./paths.js";

export const TEST_KEY = "test-key-0123456789";

export interface TestServer {
  url: string;
  dataDir: string;
  config: Config;
  host: ModelHost;
  store: KeyvSessionStore;
  metrics: Metrics;
  /** Headers with the API key (and JSON content type). */
  headers: Record<string, string>;
  /** Every route the app's routers have, as "METHOD /path/{param}". */
  routes: string[];
  /** Graceful shutdown of running turns, as SIGTERM does it. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a data dir (restart tests); a fresh temp dir by default. */
  dataDir?: string;
  env?: Record<string, string>;
  /** A runner to serve instead of loading one; it is not disposed on close. */
  runner?: Runner;
  /** Leave the model "loading" (no runner at all). */
  noModel?: boolean;
  /** Collect the server's JSON log lines here (LOG_LEVEL defaults to info then). */
  logLines?: string[];
}

/** The real runner on the test model; `options` adds runner options that no setting reaches (a state dir). */
export async function loadTestRunner(
  env: Record<string, string> = {},
  options: Pick<NodeLlamaCppRunnerOptions, "stateDir" | "onWarning"> = {},
): Promise<NodeLlamaCppRunner> {
  const config = loadConfig({ LLAMA_MODEL: TEST_MODEL_PATH, ...env });
  return NodeLlamaCppRunner.load({
    modelPath: TEST_MODEL_PATH,
    contextSize: config.contextSize,
    threads: config.threads ?? 1,
    parallel: config.parallel ?? 1,
    maxQueue: config.maxQueue,
    cacheRamBytes: config.cacheRamMb * 1024 * 1024,
    cacheDiskBytes: config.cacheDiskMb * 1024 * 1024,
    gpu: false,
    ...options,
  });
}

/** The real app on 127.0.0.1:0 with the real runner on the test model and a real SQLite file. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-test-")));
  const config = loadConfig({
    LLAMA_MODEL: TEST_MODEL_PATH,
    LLAMA_API_KEY: TEST_KEY,
    LLAMA_API_DATA_DIR: dataDir,
    LOG_LEVEL: options.logLines === undefined ? "silent" : "info",
    ...options.env,
  });
  const lines = options.logLines;
  const logger = createLogger(config.logLevel, lines === undefined ? undefined : { write: (line: string) => void lines.push(line) });
  const store = await KeyvSessionStore.open(config.dataDir);
  const metrics = new Metrics();
  const host = new ModelHost(path.basename(TEST_MODEL_PATH), true);
  const ownRunner = options.runner === undefined && options.noModel !== true;
  const runner = options.runner ?? (options.noModel === true ? undefined : await loadTestRunner(options.env));
  if (runner !== undefined) host.ready(runner);

  const { keys } = await ApiKeys.load(config.apiKeys, config.dataDir);
  const app = createApp({ config, host, store, keys, metrics, logger });
  const server = app.koa.listen(0, "127.0.0.1");
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    config,
    host,
    store,
    metrics,
    headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json" },
    drain: (graceMs) => app.drain(graceMs),
    routes: app.routers.flatMap((router) =>
      router.stack.flatMap((layer) =>
        layer.methods
          .filter((method) => method !== "HEAD")
          .map((method) => `${method} ${String(layer.path).replace(/:([A-Za-z_]+)/g, "{$1}")}`),
      ),
    ),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      if (ownRunner) await runner?.dispose();
    },
  };
}
