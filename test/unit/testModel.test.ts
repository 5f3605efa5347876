import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED_MODEL_KEY, isGeneratedModel } from "../../src/testModel/generatedModelMarker.js";
import { writeTestModel } from "../../src/testModel/writeTestModel.js";

const sha256 = async (file: string) => createHash("sha256").update(await fs.readFile(file)).digest("hex");


describe("writeTestModel", () => {
  let dir: string;
  let modelPath: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-test-model-"));
    modelPath = path.join(dir, "nested", "model.gguf");
    await writeTestModel({ outPath: modelPath });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("writes the same bytes every time, leaving no temporary file behind", async () => {
    const again = path.join(dir, "again.gguf");
    await writeTestModel({ outPath: again, size: "tiny" });
    expect(await sha256(again)).toBe(await sha256(modelPath));
    expect((await fs.readdir(path.dirname(modelPath))).sort()).toEqual(["model.gguf"]);
  });

  it("marks the model as generated", async () => {
    expect(await isGeneratedModel(modelPath)).toBe(true);
    const { metadata } = await readGgufFileInfo(modelPath, { readTensorInfo: false, logWarnings: false });
    const [namespace, key] = GENERATED_MODEL_KEY.split(".") as [string, string];
    expect((metadata as unknown as Record<string, Record<string, unknown>>)[namespace]?.[key]).toBe(true);
  });

  it("describes a llama model with a ChatML template and <|im_end|> as end of generation", async () => {
    const { metadata, tensorInfo } = await readGgufFileInfo(modelPath, { logWarnings: false });
    expect(metadata.general.architecture).toBe("llama");
    expect(metadata.general.alignment).toBe(32);
    const llama = (metadata as unknown as { llama: Record<string, unknown> }).llama;
    expect(llama.context_length).toBe(8192);
    const tokens = metadata.tokenizer.ggml.tokens;
    expect(tokens[metadata.tokenizer.ggml.eos_token_id!]).toBe("<|im_end|>");
    expect(tokens[metadata.tokenizer.ggml.bos_token_id!]).toBe("<s>");
    expect(metadata.tokenizer.chat_template).toContain("<|im_start|>assistant\\n");
    for (const tensor of tensorInfo ?? []) expect(tensor.offset).toSatisfy((offset) => Number(offset) % 32 === 0);
    expect(tensorInfo?.map((tensor) => tensor.name)).toContain("blk.1.ffn_down.weight");
  });

  it("does not mistake other files for generated models", async () => {
    const notGguf = path.join(dir, "not-a-model.gguf");
    await fs.writeFile(notGguf, "hello");
    expect(await isGeneratedModel(notGguf)).toBe(false);
    await expect(isGeneratedModel(path.join(dir, "missing.gguf"))).rejects.toThrow();
  });
});
