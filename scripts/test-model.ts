// Writes the random-weight test model: npx tsx scripts/test-model.ts [--size tiny|small] [--out PATH]
import {stat} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {writeTestModel, type TestModelSize} from "../src/testModel/writeTestModel.js";

// resolved from this file, not the cwd, so the default lands in the repo's models/ wherever it is run from
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const {values} = parseArgs({
    options: {
        size: {type: "string", default: "tiny"},
        out: {type: "string", default: path.join(repoRoot, "models", "test-model.gguf")}
    },
    strict: true
});

if (values.size !== "tiny" && values.size !== "small") {
    console.error(`--size must be "tiny" or "small", got "${values.size}"`);
    process.exit(2);
}

const size: TestModelSize = values.size;
const outPath = path.resolve(values.out);

const startTime = performance.now();
await writeTestModel({outPath, size});
const seconds = (performance.now() - startTime) / 1000;

const {size: bytes} = await stat(outPath);
console.log(`Wrote ${size} test model to ${outPath} (${bytes} bytes, ${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${seconds.toFixed(1)}s`);
