// Tells a random-weight model made by writeTestModel apart from a real one (whose output is worth
// serving), without loading it into llama.cpp.
import fs from "node:fs/promises";

/**
 * GGUF metadata key set to boolean `true` in every generated model.
 * readGgufFileInfo nests dotted keys, so it reads back as `metadata.llama_api.generated === true`.
 */
export const GENERATED_MODEL_KEY = "llama_api.generated";

/**
 * Whether the file at `path` is a GGUF model made by writeTestModel.
 * Resolves `false` for a file that is not GGUF at all; rejects when the file cannot be read or its
 * GGUF header is corrupt.
 */
export async function isGeneratedModel(path: string): Promise<boolean> {
  if (!(await hasGgufMagic(path))) return false;

  // imported here so that writeTestModel, which only needs the key, does not load node-llama-cpp
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const fileInfo = await readGgufFileInfo(path, {
    readTensorInfo: false,
    sourceType: "filesystem",
    logWarnings: false,
    // the vocabulary is most of a header and is not needed here
    ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"],
  });

  return readNestedKey(fileInfo.metadata, GENERATED_MODEL_KEY) === true;
}

// readGgufFileInfo stores "a.b.c" at metadata.a.b.c, but keeps part of a dotted key flat ("a.b": {c})
// when a prefix of it is already taken by a plain value, so every split is tried at each level.
function readNestedKey(metadata: unknown, key: string): unknown {
  if (metadata === null || typeof metadata !== "object") return undefined;

  const record = metadata as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];

  const parts = key.split(".");
  for (let prefixLength = 1; prefixLength < parts.length; prefixLength++) {
    const prefix = parts.slice(0, prefixLength).join(".");
    if (!Object.hasOwn(record, prefix)) continue;
    const value = readNestedKey(record[prefix], parts.slice(prefixLength).join("."));
    if (value !== undefined) return value;
  }
  return undefined;
}

async function hasGgufMagic(path: string): Promise<boolean> {
  const handle = await fs.open(path, "r");
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    return bytesRead === 4 && magic.toString("latin1") === "GGUF";
  } finally {
    await handle.close();
  }
}
