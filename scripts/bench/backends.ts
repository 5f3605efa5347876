import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { BackendId, BenchOptions } from "./benchOptions.js";
import { binaryVersion, findLlamaCppBinary, type LlamaCppBinary } from "./findLlamaCppBinaries.js";
import { freePort, ServerProcess } from "./ServerProcess.js";
import type { StreamResult } from "./streamChat.js";

export interface Backend {
  id: BackendId;
  label: string;
  /** Whether stored sessions (`chat_id`) exist; llama-server has none, so its one mode serves both. */
  hasChatId: boolean;
  /** The binaries it runs and their versions, for the JSON. */
  details: Record<string, unknown>;
  /** Prompt tokens this backend evaluated for a reply: its own count where it reports one. */
  promptEvaluated(result: StreamResult): number;
  /** `dataDir`: our server's data dir, kept when it stops (the restart scenario); a temporary one by default. */
  start(parallel: number, dataDir?: string): Promise<RunningBackend>;
}

export interface RunningBackend {
  baseUrl: string;
  headers: Record<string, string>;
  startupMs: number;
  /** What the server said about itself at start-up (our "model loaded" line, llama-server's slot line). */
  startupFacts: Record<string, unknown>;
  stop(): Promise<void>;
}

export type BackendLookup = { backend: Backend } | { id: BackendId; label: string; skipped: string };

const labels: Record<BackendId, string> = {
  node: "llama-api (node)",
  cli: "llama-api (cli)",
  "llama-server": "llama-server",
};

/** Finds what a backend needs; a missing binary becomes a reason to skip it rather than an error. */
export function lookUpBackend(id: BackendId, options: BenchOptions, workDir: string): BackendLookup {
  const label = labels[id];
  switch (id) {
    case "node":
      // named, so that "auto" can never fall back to another runner behind the benchmark's back
      return { backend: ourServer(id, label, options, workDir, { LLAMA_RUNNER: "node" }) };
    case "cli": {
      const cli = findLlamaCppBinary("llama-completion");
      if ("missing" in cli) return { id, label, skipped: cli.missing };
      const env = { LLAMA_RUNNER: "cli", LLAMA_CLI_PATH: cli.found.path };
      return { backend: ourServer(id, label, options, workDir, env, cli.found) };
    }
    case "llama-server": {
      const server = findLlamaCppBinary("llama-server");
      if ("missing" in server) return { id, label, skipped: server.missing };
      return { backend: llamaServer(label, options, workDir, server.found) };
    }
    default:
      return id satisfies never;
  }
}

function ourServer(
  id: BackendId,
  label: string,
  options: BenchOptions,
  workDir: string,
  runnerEnv: Record<string, string>,
  binary?: LlamaCppBinary,
): Backend {
  const serverKey = randomBytes(24).toString("base64url");
  return {
    id,
    label,
    hasChatId: true,
    details: { command: "node --import tsx src/main.ts", serverRoot: options.serverRoot, env: runnerEnv, ...(binary ? { binary, binaryVersion: binaryVersion(binary.path) } : {}) },
    // the cli runner re-reads the whole prompt every time, whatever it reports as cached
    promptEvaluated: (result) => (id === "cli" ? result.promptTokens : result.promptTokens - (result.cachedTokens ?? 0)),
    async start(parallel, keptDataDir) {
      const port = await freePort();
      // the same key for every start, so that a chat started before a restart is the same owner's after it
      const apiKey = serverKey;
      const dataDir = keptDataDir ?? (await fs.mkdtemp(path.join(workDir, `${id}-data-`)));
      const server = await ServerProcess.start({
        label: `${label} (parallel ${parallel})`,
        command: process.execPath,
        args: ["--import", "tsx", "src/main.ts"],
        cwd: options.serverRoot,
        env: {
          PATH: process.env["PATH"] ?? "",
          HOME: process.env["HOME"] ?? "",
          LLAMA_MODEL: options.modelPath,
          LLAMA_API_KEY: apiKey,
          LLAMA_API_DATA_DIR: dataDir,
          PORT: String(port),
          HOST: "127.0.0.1",
          ...(options.threads === "default" ? {} : { LLAMA_THREADS: String(options.threads) }),
          LLAMA_CONTEXT_SIZE: String(options.ctx),
          LLAMA_PARALLEL: String(parallel),
          LLAMA_TEMPERATURE: "0",
          RATE_LIMIT_CHATS_PER_HOUR: "1000000",
          SHUTDOWN_GRACE_S: "2",
          // info, not warn: the "model loaded" line (with the build) is logged at info; one line per request costs nothing
          LOG_LEVEL: "info",
          ...runnerEnv,
        },
        logFile: path.join(workDir, `${id}-parallel${parallel}.log`),
        healthUrl: `http://127.0.0.1:${port}/health`,
        startTimeoutMs: 180_000,
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      const health = (await (await fetch(`${baseUrl}/health`)).json()) as Record<string, unknown>;
      const modelLoaded = server.lines.map(parseJsonLine).find((line) => line?.["msg"] === "model loaded");
      const expectedRunner = id === "cli" ? "cli" : "node";
      if (health["runner"] !== undefined && health["runner"] !== expectedRunner) {
        await server.stop();
        throw new BackendUnavailable(
          `the server ran the "${String(health["runner"])}" runner, not "${expectedRunner}": LLAMA_RUNNER=${expectedRunner} is not supported by this checkout`,
        );
      }
      return {
        baseUrl,
        headers: { "X-API-Key": apiKey },
        startupMs: server.startupMs,
        startupFacts: { health, modelLoaded: modelLoaded ?? null },
        stop: async () => {
          await server.stop();
          if (keptDataDir === undefined) await fs.rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** llama-server flags; bench/README.md says why each is set. */
export function llamaServerArgs(options: BenchOptions, parallel: number, port: number): string[] {
  const threads = options.threads === "default" ? [] : ["--threads", String(options.threads), "--threads-batch", String(options.threads)];
  return [
    "--model", options.modelPath,
    "--host", "127.0.0.1",
    "--port", String(port),
    "--parallel", String(parallel),
    "--ctx-size", String(options.ctx * parallel),
    "--no-kv-unified",
    ...threads,
    "--cache-prompt",
    "--cache-ram", "8192",
    "--slot-prompt-similarity", "0.10",
    "--cache-reuse", "0",
    "--no-webui",
    "--offline",
  ];
}

function llamaServer(label: string, options: BenchOptions, workDir: string, binary: LlamaCppBinary): Backend {
  return {
    id: "llama-server",
    label,
    hasChatId: false,
    details: { binary, binaryVersion: binaryVersion(binary.path), args: llamaServerArgs(options, options.parallel, 0) },
    // timings.prompt_n is what it evaluated; usage's cached_tokens is the fallback
    promptEvaluated: (result) =>
      result.serverTimings?.["prompt_n"] ?? result.promptTokens - (result.cachedTokens ?? 0),
    async start(parallel) {
      const port = await freePort();
      const server = await ServerProcess.start({
        label: `${label} (parallel ${parallel})`,
        command: binary.path,
        args: llamaServerArgs(options, parallel, port),
        cwd: workDir,
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
        logFile: path.join(workDir, `llama-server-parallel${parallel}.log`),
        healthUrl: `http://127.0.0.1:${port}/health`,
        startTimeoutMs: 180_000,
      });
      const slots = server.lines.find((line) => line.includes("n_slots ="));
      const threads = server.lines.find((line) => line.includes("n_threads ="));
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        headers: {},
        startupMs: server.startupMs,
        startupFacts: { slots: slots?.trim() ?? null, threads: threads?.trim() ?? null },
        stop: () => server.stop(),
      };
    },
  };
}

/** A backend that started but cannot serve what was asked of it; the run records it as skipped. */
export class BackendUnavailable extends Error {
  override readonly name = "BackendUnavailable";
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
