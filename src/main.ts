import fs from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ModelHost } from "./chat/ModelHost.js";
import { ConfigError, loadConfig } from "./config/loadConfig.js";
import { settings } from "./config/settings.js";
import { loadRunner } from "./llm/loadRunner.js";
import { ModelLoadError } from "./llm/ModelLoadError.js";
import { resolveModel } from "./llm/resolveModel.js";
import { createLogger } from "./observability/createLogger.js";
import { Metrics } from "./observability/Metrics.js";
import { answerClientErrors } from "./server/answerClientErrors.js";
import { ApiKeys } from "./server/auth/ApiKeys.js";
import { createApp, type App } from "./server/createApp.js";
import { openSharedState } from "./server/openSharedState.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What has been started, stopped in reverse order: by SIGTERM/SIGINT at any moment, or by a failed start. */
const started: Array<() => Promise<void>> = [];
let log: (message: string, fields?: object) => void = (message) => process.stderr.write(`${message}\n`);

async function stopAll(): Promise<void> {
  for (const stop of started.splice(0).reverse()) {
    await stop().catch((error: unknown) => log("error while stopping", { err: String(error) }));
  }
}

let stopping = false;
async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log("shutting down", { signal });
  await stopAll();
  log("stopped");
  process.exit(0);
}

async function main(): Promise<void> {
  // First: a signal while the model loads (which can take minutes) must still close the store.
  process.once("SIGTERM", (signal) => void onSignal(signal));
  process.once("SIGINT", (signal) => void onSignal(signal));

  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  log = (message, fields = {}) => logger.info(fields, message);

  const { keys, created } = await ApiKeys.load(config.apiKeys, config.dataDir);
  if (created !== undefined) {
    // Printed once, on the start that created it; later starts read it from the data dir.
    process.stdout.write(
      `\nNo ${settings.apiKeys.name} set: created an API key and stored it in ${path.join(config.dataDir, "api-key")}\n` +
        `  X-API-Key: ${created}\n\n`,
    );
  }
  if (config.redisUrl !== undefined && config.apiKeys.length === 0) {
    logger.warn(`${settings.redisUrl.name} is set but ${settings.apiKeys.name} is not: each replica has its own generated key in its data dir.`);
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
      `SERVING A GENERATED TEST MODEL WITH RANDOM WEIGHTS: ITS OUTPUT IS NOISE. Set ${settings.model.name} or put a .gguf in models/.`,
    );
  }

  // REDIS_URL: sessions, locks and limits shared with other replicas; unset: a SQLite file and this process.
  const shared = await openSharedState(config, logger);
  started.push(() => shared.close());
  const { store } = shared;
  const metrics = new Metrics();
  const host = new ModelHost(path.basename(model.path), model.generated);
  started.push(() => host.dispose());
  const { version } = JSON.parse(await fs.readFile(path.join(projectRoot, "package.json"), "utf8")) as { version: string };
  const app = createApp({ version, config, host, store, keys, metrics, logger, shared });
  const server = app.koa.listen(config.port, config.host);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  started.push(() => closeServer(server, app, config.shutdownGraceSeconds * 1000));
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
  await host.ready(runner);
  metrics.modelLoaded.set(1);
  logger.info(
    { model: runner.modelName, source: model.source, contextSize: runner.contextSize, runner: runner.kind, build: description },
    "model loaded",
  );
}

/** Stops accepting, lets running replies finish within the grace period, then cuts and saves the rest. */
async function closeServer(server: Server, app: App, graceMs: number): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await app.drain(graceMs);
  server.closeAllConnections();
  await closed;
}

main().catch(async (error: unknown) => {
  // One clear line for a bad setting or a model llama.cpp refuses; the full error for anything else (a bug).
  const oneLine = error instanceof ConfigError || error instanceof ModelLoadError;
  process.stderr.write(oneLine ? `${error.message}\n` : `Failed to start: ${String((error as Error)?.stack ?? error)}\n`);
  await stopAll();
  process.exit(1);
});
