import path from "node:path";
import type { Config } from "../config/loadConfig.js";
import type { Runner } from "./Runner.js";
import { LlamaCliRunner } from "./runners/LlamaCliRunner.js";
import { NativeAddonUnavailableError } from "./runners/NativeAddonUnavailableError.js";
import { NodeLlamaCppRunner } from "./runners/NodeLlamaCppRunner.js";

export interface LoadRunnerOptions {
  modelPath: string;
  /** llama.cpp's own log lines, from either runner. */
  onLog: (level: "warn" | "error", message: string) => void;
  /** Start-up warnings, such as falling back to the binary. */
  warn: (message: string) => void;
}

export interface LoadedRunner {
  runner: Runner;
  /** Which runner and build, for the start-up log. */
  description: string;
}

type RunnerConfig = Pick<Config, "runner" | "cliPath" | "contextSize" | "threads" | "gpu" | "parallel" | "maxQueue" | "cacheRamMb" | "cacheDiskMb" | "dataDir">;

/**
 * LLAMA_RUNNER: "node" loads the in-process runner, "cli" the llama.cpp binary at LLAMA_CLI_PATH, and "auto"
 * the in-process one unless node-llama-cpp's native addon cannot load on this host and LLAMA_CLI_PATH is set.
 */
export async function loadRunner(config: RunnerConfig, options: LoadRunnerOptions): Promise<LoadedRunner> {
  switch (config.runner) {
    case "node":
      return loadNodeRunner(config, options);
    case "cli":
      return loadCliRunner(config, options);
    case "auto":
      try {
        return await loadNodeRunner(config, options);
      } catch (error) {
        if (!(error instanceof NativeAddonUnavailableError) || config.cliPath === undefined) throw error;
        options.warn(`${error.message}. Falling back to the llama.cpp binary ${path.resolve(config.cliPath)}.`);
        return loadCliRunner({ ...config, cliPath: config.cliPath }, options);
      }
    default:
      return config.runner satisfies never;
  }
}

async function loadNodeRunner(config: RunnerConfig, options: LoadRunnerOptions): Promise<LoadedRunner> {
  const runner = await NodeLlamaCppRunner.load({
    modelPath: options.modelPath,
    contextSize: config.contextSize,
    threads: config.threads,
    parallel: config.parallel,
    maxQueue: config.maxQueue,
    cacheRamBytes: config.cacheRamMb * 1024 * 1024,
    stateDir: path.join(config.dataDir, "kv-cache"),
    cacheDiskBytes: config.cacheDiskMb * 1024 * 1024,
    gpu: config.gpu === "false" ? false : "auto",
    onLog: options.onLog,
    onWarning: options.warn,
  });
  return { runner, description: `node-llama-cpp, ${runner.buildDescription}, ${runner.parallel} sequences` };
}

async function loadCliRunner(config: RunnerConfig, options: LoadRunnerOptions): Promise<LoadedRunner> {
  // loadConfig refuses LLAMA_RUNNER=cli without a binary; "auto" only falls back when there is one.
  if (config.cliPath === undefined) throw new Error("loadCliRunner needs a binary path");
  const binaryPath = path.resolve(config.cliPath);
  const runner = await LlamaCliRunner.load({
    binaryPath,
    modelPath: options.modelPath,
    contextSize: config.contextSize,
    threads: config.threads,
    onLog: options.onLog,
  });
  return { runner, description: `llama.cpp binary ${binaryPath}` };
}
