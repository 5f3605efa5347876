import fs from "node:fs/promises";
import { readGgufFileInfo } from "node-llama-cpp";
import { ConfigError } from "../config/loadConfig.js";
import { settings } from "../config/settings.js";

/**
 * Checks that LLAMA_MODEL names a readable, complete GGUF file before anything is started, so that a wrong path
 * stops start-up with one line (a ConfigError naming the setting) rather than a stack trace from deep inside
 * the model loader. A file cut short inside its last tensor passes; llama.cpp's own bounds check reports that.
 */
export async function checkModelFile(filePath: string): Promise<void> {
  const problem = await problemWith(filePath);
  if (problem !== undefined) throw new ConfigError(settings.model.name, `${filePath} ${problem}`);
}

async function problemWith(filePath: string): Promise<string | undefined> {
  const stat = await fs.stat(filePath).catch((error: NodeJS.ErrnoException) => error);
  if (stat instanceof Error) return stat.code === "ENOENT" || stat.code === "ENOTDIR" ? "does not exist" : cannotRead(stat);
  if (stat.isDirectory()) return "is a directory, not a .gguf file";
  if (!stat.isFile()) return "is not a regular file";

  const magic = Buffer.alloc(4);
  try {
    const file = await fs.open(filePath, "r");
    try {
      await file.read(magic, 0, 4, 0);
    } finally {
      await file.close();
    }
  } catch (error) {
    return cannotRead(error as NodeJS.ErrnoException);
  }
  if (stat.size === 0) return "is empty";
  if (magic.toString("latin1") !== "GGUF") return "is not a GGUF file (it does not start with the bytes \"GGUF\")";

  // node-llama-cpp's reader reads past the end of a short file without complaint, so the sizes are compared here.
  const info = await readGgufFileInfo(filePath, { readTensorInfo: true, logWarnings: false }).catch((error: Error) => error);
  if (info instanceof Error) return `is not a valid GGUF file (${info.message})`;
  const lastTensorStart = Math.max(0, ...(info.fullTensorInfo ?? []).map((tensor) => Number(tensor.fileOffset)));
  if ((info.infoEndOffset ?? 0) > stat.size || lastTensorStart >= stat.size) {
    return `is truncated (${stat.size} bytes, but its tensors start beyond that): an incomplete download or copy?`;
  }
  if (typeof info.metadata.general?.architecture !== "string") return "is not a model (its GGUF metadata names no architecture)";
  return undefined;
}

function cannotRead(error: NodeJS.ErrnoException): string {
  return error.code === "EACCES" || error.code === "EPERM" ? "cannot be read (permission denied)" : `cannot be read (${error.code ?? error.message})`;
}
