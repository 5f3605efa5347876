import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { runUntilExit } from "../support/spawnServer.js";

let dir: string;
const model = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-models-"));
  const real = await fs.readFile(TEST_MODEL_PATH);
  await fs.mkdir(model("a-directory.gguf"));
  await fs.writeFile(model("random.gguf"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  await fs.writeFile(model("empty.gguf"), "");
  // Cut inside the metadata, and inside the last tensor's data (which only llama.cpp's own check can see).
  await fs.writeFile(model("truncated.gguf"), real.subarray(0, 5000));
  await fs.writeFile(model("cut-in-last-tensor.gguf"), real.subarray(0, real.length - 1000));
  await fs.writeFile(model("unreadable.gguf"), real);
  await fs.chmod(model("unreadable.gguf"), 0o000);
});

/** A file this process cannot read: root reads any file whatever its mode, but not /proc/self/mem at offset 0. */
const unreadable = () => (process.getuid?.() === 0 ? "/proc/self/mem" : model("unreadable.gguf"));

describe("a LLAMA_MODEL that cannot be served", () => {
  it("stops start-up with one line naming LLAMA_MODEL and the problem, exit code 1, no stack trace", async () => {
    const cases: Array<[string, RegExp]> = [
      [model("missing.gguf"), /does not exist$/],
      [model("a-directory.gguf"), /is a directory, not a \.gguf file$/],
      [unreadable(), /cannot be read \((permission denied|EIO)\)$/],
      [model("random.gguf"), /is not a GGUF file \(it does not start with the bytes "GGUF"\)$/],
      [model("empty.gguf"), /is empty$/],
      [model("truncated.gguf"), /is truncated \(5000 bytes, but its tensors start beyond that\): an incomplete download or copy\?$/],
    ];
    const runs = await Promise.all(
      cases.map(([modelPath]) => runUntilExit({ LLAMA_MODEL: modelPath, LLAMA_API_KEY: "a-key-for-this-test", LLAMA_API_DATA_DIR: dir })),
    );
    for (const [index, { code, stdout, stderr }] of runs.entries()) {
      const [modelPath, problem] = cases[index]!;
      expect(code, modelPath).toBe(1);
      const lines = stderr.trimEnd().split("\n");
      expect(lines, modelPath).toHaveLength(1);
      expect(lines[0]!.startsWith(`Invalid setting LLAMA_MODEL: ${modelPath} `), lines[0]).toBe(true);
      expect(lines[0], modelPath).toMatch(problem);
      // Refused before listening: nothing else was started.
      expect(stdout, modelPath).not.toContain("listening");
      expect(stdout + stderr, modelPath).not.toMatch(/\n\s+at /);
    }
  });

  it("reports a file llama.cpp refuses to load in one line too, with llama.cpp's reason", async () => {
    const { code, stdout, stderr } = await runUntilExit({
      LLAMA_MODEL: model("cut-in-last-tensor.gguf"),
      LLAMA_API_KEY: "a-key-for-this-test",
      LLAMA_API_DATA_DIR: dir,
    });
    expect(code).toBe(1);
    expect(stderr.trimEnd().split("\n")).toEqual([
      `llama.cpp could not load the model ${model("cut-in-last-tensor.gguf")}: tensor 'blk.1.ffn_down.weight' data is not within the file bounds, model is corrupted or incomplete. Set LLAMA_MODEL to a complete GGUF model file.`,
    ]);
    expect(stdout + stderr).not.toMatch(/\n\s+at /);
  });
});
