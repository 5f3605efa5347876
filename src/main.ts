import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "./config/loadConfig.js";
import { ModelHost } from "./llm/ModelHost.js";
import { resolveModel } from "./llm/resolveModel.js";
import { loadRunner } from "./llm/loadRunner.js";
import { createLogger } from "./observability/createLogger.js";
import { Metrics } from "./observability/Metrics.js";
import { ApiKeys } from "./server/auth/ApiKeys.js";
import { createApp } from "./server/createApp.js";
import { KeyvSessionStore } from "./sessions/KeyvSessionStore.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  const { keys, created } = await ApiKeys.load(config.apiKeys, config.dataDir);
  if (created !== undefined) {
    // Printed once, on the start that created it; later starts read it from the data dir.
    process.stdout.write(
      `\nNo LLAMA_API_KEY set: created an API key and stored it in ${path.join(config.dataDir, "api-key")}\n` +
        `  X-API-Key: ${created}\n\n`,
    );
  }

  const model = await resolveModel({
    modelPath: config.model,
    defaultModel: config.defaultModel,
    modelsDir: path.join(projectRoot, "models"),
    log: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
  });
  if (model.generated) {
    logger.warn(
      { model: path.basename(model.path) },
      "SERVING A GENERATED TEST MODEL WITH RANDOM WEIGHTS: ITS OUTPUT IS NOISE. Set LLAMA_MODEL or put a .gguf in models/.",
    );
  }

  const store = await KeyvSessionStore.open(config.dataDir);
  const metrics = new Metrics();
  const host = new ModelHost(path.basename(model.path), model.generated);
  const { version } = JSON.parse(await fs.readFile(path.join(projectRoot, "package.json"), "utf8")) as { version: string };
  const app = createApp({ version, config, host, store, keys, metrics, logger });
  const server = app.koa.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  logger.info({ host: config.host, port }, `listening on http://${config.host}:${port}`);

  const { runner, description } = await loadRunner(config, {
    modelPath: model.path,
    onLog: (level, message) => logger[level]({ source: "llama.cpp" }, message),
    warn: (message) => logger.warn(message),
  }).catch((error: unknown) => {
    host.failed();
    metrics.modelLoaded.set(0);
    throw error;
  });
  host.ready(runner);
  metrics.modelLoaded.set(1);
  logger.info(
    {
      model: runner.modelName,
      source: model.source,
      contextSize: runner.contextSize,
      runner: runner.kind,
      build: description,
    },
    "model loaded",
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, "shutting down");
    // Stop accepting, let running replies finish within the grace period, then abort and save the rest.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await app.drain(config.shutdownGraceSeconds * 1000);
    server.closeAllConnections();
    await closed;
    await runner.dispose();
    await store.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  // One clear line for a bad setting; the full error for anything else.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `Failed to start: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
