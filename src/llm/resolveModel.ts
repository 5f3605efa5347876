import fs from "node:fs/promises";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { isGeneratedModel } from "../testModel/generatedModelMarker.js";
import { writeTestModel } from "../testModel/writeTestModel.js";
import { checkModelFile } from "./checkModelFile.js";

export interface ResolvedModel {
  path: string;
  /** True for a model with random weights made by writeTestModel: its output is noise. */
  generated: boolean;
  /** How it was found, for the start-up log. */
  source: "LLAMA_MODEL" | "models directory" | "downloaded" | "generated";
}

export interface ResolveModelOptions {
  /** LLAMA_MODEL: an explicit path wins over everything else. */
  modelPath: string | undefined;
  /** LLAMA_DEFAULT_MODEL: a node-llama-cpp model URI, or "none" to never download. */
  defaultModel: string;
  modelsDir: string;
  /** Give up a download that makes no progress for this long. */
  stallTimeoutMs?: number;
  log: { info: (message: string) => void; warn: (message: string) => void };
}

export const TEST_MODEL_FILE = "test-model.gguf";

/**
 * Finds the model to serve: LLAMA_MODEL, else the first real .gguf in models/, else a download of the default
 * model, else (offline) a generated test model, so that `npm start` works with no settings and no network.
 */
export async function resolveModel(options: ResolveModelOptions): Promise<ResolvedModel> {
  if (options.modelPath !== undefined) {
    await checkModelFile(options.modelPath);
    return { path: options.modelPath, generated: await isGeneratedModel(options.modelPath), source: "LLAMA_MODEL" };
  }

  const found = await firstRealModel(options.modelsDir);
  if (found !== undefined) return { path: found, generated: false, source: "models directory" };

  if (options.defaultModel.toLowerCase() !== "none") {
    try {
      const downloaded = await download(options);
      return { path: downloaded, generated: await isGeneratedModel(downloaded), source: "downloaded" };
    } catch (error) {
      options.log.warn(`Could not download ${options.defaultModel}: ${(error as Error).message}`);
    }
  }

  const testModel = path.join(options.modelsDir, TEST_MODEL_FILE);
  const exists = await fs.access(testModel).then(() => true, () => false);
  if (!exists || !(await isGeneratedModel(testModel))) {
    options.log.info(`Generating the test model at ${testModel}`);
    await writeTestModel({ outPath: testModel });
  }
  return { path: testModel, generated: true, source: "generated" };
}

async function firstRealModel(modelsDir: string): Promise<string | undefined> {
  const entries = await fs.readdir(modelsDir).catch(() => [] as string[]);
  for (const name of entries.filter((entry) => entry.toLowerCase().endsWith(".gguf")).sort()) {
    const candidate = path.join(modelsDir, name);
    // Split models and partial downloads are left alone; a file that cannot be read as GGUF is skipped.
    const generated = await isGeneratedModel(candidate).catch(() => undefined);
    if (generated === false) return candidate;
  }
  return undefined;
}

async function download(options: ResolveModelOptions): Promise<string> {
  const stallMs = options.stallTimeoutMs ?? 10_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no progress for ${stallMs / 1000} s`)), stallMs);
  const keepAlive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no progress for ${stallMs / 1000} s`)), stallMs);
  };
  await fs.mkdir(options.modelsDir, { recursive: true });
  options.log.info(`Downloading ${options.defaultModel} into ${options.modelsDir}`);
  try {
    const download = resolveModelFile(options.defaultModel, {
      directory: options.modelsDir,
      cli: process.stderr.isTTY === true,
      onProgress: keepAlive,
      signal: controller.signal,
    });
    // resolveModelFile may not notice the signal while it is still connecting, so race it too.
    return await Promise.race([
      download,
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error), { once: true }),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
