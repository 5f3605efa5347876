// Writes the random-weight test model: npx tsx scripts/test-model.ts [--size tiny|small] [--out PATH]
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTestModel } from "../src/testModel/writeTestModel.js";

// resolved from this file rather than the cwd, so the default lands in the repo's models/ wherever it is run
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "tiny" },
    out: { type: "string", default: path.join(repoRoot, "models", "test-model.gguf") },
  },
  strict: true,
});

const size = values.size;
if (size !== "tiny" && size !== "small") {
  console.error(`--size must be "tiny" or "small", not "${size}"`);
  process.exit(2);
}
const outPath = path.resolve(values.out);

const started = performance.now();
// writeTestModel creates the directory and writes through a temporary file that it renames into place
await writeTestModel({ outPath, size });
const seconds = (performance.now() - started) / 1000;

const { size: bytes } = await fs.stat(outPath);
console.log(`Wrote the ${size} test model to ${outPath}: ${bytes} bytes (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds.toFixed(1)} s`);
