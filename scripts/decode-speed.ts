// Measures node-llama-cpp's raw speed on a model, per thread count: prompt evaluation tokens/s and decode
// tokens/s (one token per call, no sampling, as llama.cpp's own tools measure it). Prints a table, writes JSON.
//   npx tsx scripts/decode-speed.ts [--model PATH] [--threads 1,2] [--prompt 256] [--decode 128] [--out FILE]
import fs from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getLlama, type Token } from "node-llama-cpp";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    model: { type: "string", default: path.join(root, "models", "test-model.gguf") },
    threads: { type: "string", default: [...new Set([1, availableParallelism()])].join(",") },
    prompt: { type: "string", default: "256" },
    decode: { type: "string", default: "128" },
    out: { type: "string" },
  },
});
const threadCounts = values.threads.split(",").map(Number);
const promptLength = Number(values.prompt);
const decodeLength = Number(values.decode);

const llama = await getLlama({ gpu: false, build: "never", maxThreads: Math.max(...threadCounts) });
const model = await llama.loadModel({ modelPath: values.model });
const vocabulary = model.tokenize("the quick brown fox jumps over the lazy dog and then some more words", false);
const prompt = Array.from({ length: promptLength }, (_, i) => vocabulary[i % vocabulary.length]!) as Token[];

const rows = [];
for (const threads of threadCounts) {
  const context = await model.createContext({ contextSize: promptLength + decodeLength + 8, threads, batchSize: 512 });
  const sequence = context.getSequence();
  // Warm-up: one short evaluation, so that the first timed one does not pay for allocation.
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8));
  await sequence.clearHistory();

  const promptStart = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  const promptSeconds = (performance.now() - promptStart) / 1000;

  const decodeStart = performance.now();
  for (let i = 0; i < decodeLength; i++) {
    await sequence.evaluateWithoutGeneratingNewTokens([prompt[i % prompt.length]!]);
  }
  const decodeSeconds = (performance.now() - decodeStart) / 1000;
  rows.push({
    threads,
    promptTokensPerSecond: Math.round(promptLength / promptSeconds),
    decodeTokensPerSecond: Math.round(decodeLength / decodeSeconds),
  });
  await context.dispose();
}

console.log(`model: ${path.basename(values.model)}, build: ${llama.buildType}, cpu: ${cpus()[0]?.model ?? "?"} x${availableParallelism()}`);
console.log("| threads | prompt eval tokens/s | decode tokens/s |\n| ---: | ---: | ---: |");
for (const row of rows) console.log(`| ${row.threads} | ${row.promptTokensPerSecond} | ${row.decodeTokensPerSecond} |`);
if (values.out !== undefined) {
  await fs.writeFile(values.out, JSON.stringify({ model: values.model, build: llama.buildType, rows }, null, 2));
}
await model.dispose();
await llama.dispose();
