import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveModel, TEST_MODEL_FILE } from "../../src/llm/resolveModel.js";
import { GENERATED_MODEL_KEY, isGeneratedModel } from "../../src/testModel/generatedModelMarker.js";
import { TEST_MODEL_PATH } from "../support/paths.js";

const quiet = { info: () => undefined, warn: () => undefined };
const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), "llama-api-models-"));

/** A copy of the test model whose marker key is renamed (same length, still valid GGUF): a "real" model. */
async function unmarkedCopy(target: string): Promise<void> {
  const bytes = await fs.readFile(TEST_MODEL_PATH);
  const key = Buffer.from(GENERATED_MODEL_KEY);
  const at = bytes.indexOf(key);
  expect(at).toBeGreaterThan(0);
  bytes.write("x", at + key.length - 1, "latin1");
  await fs.writeFile(target, bytes);
}

describe("resolveModel", () => {
  it("uses LLAMA_MODEL when set, and fails clearly when it does not exist", async () => {
    const resolved = await resolveModel({ modelPath: TEST_MODEL_PATH, defaultModel: "none", modelsDir: "/nonexistent", log: quiet });
    expect(resolved).toEqual({ path: TEST_MODEL_PATH, generated: true, source: "LLAMA_MODEL" });
    await expect(
      resolveModel({ modelPath: "/nope/model.gguf", defaultModel: "none", modelsDir: "/nonexistent", log: quiet }),
    ).rejects.toThrow("LLAMA_MODEL");
  });

  it("picks the first real .gguf in models/, never a generated one", async () => {
    const dir = await tempDir();
    await fs.copyFile(TEST_MODEL_PATH, path.join(dir, "a-generated.gguf"));
    await unmarkedCopy(path.join(dir, "b-real.gguf"));
    await fs.writeFile(path.join(dir, "c-not-gguf.gguf"), "hello");
    expect(await isGeneratedModel(path.join(dir, "b-real.gguf"))).toBe(false);
    const resolved = await resolveModel({ modelPath: undefined, defaultModel: "none", modelsDir: dir, log: quiet });
    expect(resolved).toEqual({ path: path.join(dir, "b-real.gguf"), generated: false, source: "models directory" });
  });

  it("generates the test model when there is nothing to serve and downloading is off", async () => {
    const dir = await tempDir();
    const resolved = await resolveModel({ modelPath: undefined, defaultModel: "none", modelsDir: dir, log: quiet });
    expect(resolved).toEqual({ path: path.join(dir, TEST_MODEL_FILE), generated: true, source: "generated" });
    expect(await isGeneratedModel(resolved.path)).toBe(true);
  });

  it("falls back to the generated model when the download fails", async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const resolved = await resolveModel({
      modelPath: undefined,
      // A URL on a closed local port fails at once, as an offline host does.
      defaultModel: "http://127.0.0.1:9/model.gguf",
      modelsDir: dir,
      stallTimeoutMs: 2000,
      log: { info: () => undefined, warn: (message) => warnings.push(message) },
    });
    expect(resolved.source).toBe("generated");
    expect(warnings.join("\n")).toContain("Could not download");
  });
});
