// Issue 12: are concurrent replies decoded in one batch per step? In-process, 1, 2 and 4 replies at once, with
// the step barrier (src/llm/runners/StepBarrier.ts) on and off in alternating rounds of one process, so that a
// noisy machine affects both alike: aggregate tokens/s, and the batches llama.cpp decoded per generated token
// and the time llama.cpp spent in each (counted on node-llama-cpp's internal addon context: a probe may look
// inside, the server never does).
//   npx tsx scripts/batch-probe.ts [--model PATH] [--threads 1] [--rounds 3] [--tokens 96] [--out FILE]
import fs from "node:fs/promises";
import { buildRawPrompt } from "../src/llm/buildRawPrompt.js";
import { StepBarrier } from "../src/llm/runners/StepBarrier.js";
import { benchText } from "./bench/benchText.js";
import { probeSetup } from "./probe/probeSetup.js";
import { median } from "./bench/stats.js";


const join = StepBarrier.prototype.join;
const alone = { received: () => undefined, arrive: () => undefined, leave: () => undefined };
const setBarrier = (on: boolean) => {
  StepBarrier.prototype.join = on ? join : () => alone;
};

const { options, runner } = await probeSetup(96);
// The addon's methods are read-only: the context's reference to it is wrapped instead.
const context = (runner as unknown as { context: { _ctx: object } }).context;
let batches = 0;
let decodeMs = 0;
context._ctx = new Proxy(context._ctx, {
  get(target, property) {
    const value: unknown = Reflect.get(target, property, target);
    if (typeof value !== "function") return value;
    if (property !== "decodeBatch") return value.bind(target);
    return async (...args: unknown[]) => {
      batches += 1;
      const started = performance.now();
      try {
        return await value.apply(target, args);
      } finally {
        decodeMs += performance.now() - started;
      }
    };
  },
});

const maxTokens = options.tokens;
async function round(streams: number, tag: string): Promise<{ tokensPerS: number; batchesPerStep: number; decodeMsPerBatch: number }> {
  const generations = Array.from({ length: streams }, (_, index) => {
    const text = benchText(`${tag} ${index}`, 60);
    return runner.generate(buildRawPrompt(runner, text, maxTokens).prompt, { maxTokens, temperature: 0, ignoreEos: true });
  });
  // Timed from every reply's first token, so that prompt batches do not count.
  const firsts: number[] = [];
  const ends: number[] = [];
  let stepsBatches = 0;
  let stepsDecodeMs = 0;
  await Promise.all(
    generations.map(async (generation) => {
      let first = true;
      for await (const _ of generation) {
        if (first) {
          firsts.push(performance.now());
          first = false;
          if (firsts.length === streams) {
            batches = 0;
            decodeMs = 0;
          }
        }
      }
      ends.push(performance.now());
      if (ends.length === 1) {
        stepsBatches = batches;
        stepsDecodeMs = decodeMs;
      }
    }),
  );
  const results = await Promise.all(generations.map((generation) => generation.result));
  const tokens = results.reduce((sum, result) => sum + result.generatedTokens - 1, 0);
  const wallMs = Math.max(...ends) - Math.min(...firsts);
  // Batches counted from the last reply's first token to the first reply's end: the steps they all took together.
  const stepsTogether = Math.max(1, Math.min(...results.map((result) => result.generatedTokens)) - 2);
  return { tokensPerS: tokens / (wallMs / 1000), batchesPerStep: stepsBatches / stepsTogether, decodeMsPerBatch: stepsDecodeMs / Math.max(1, stepsBatches) };
}

const rows: Array<{ streams: number; barrier: boolean; tokensPerS: number[]; batchesPerStep: number[]; decodeMsPerBatch: number[] }> = [];
for (const streams of [1, 2, 4]) {
  for (const barrier of [true, false]) rows.push({ streams, barrier, tokensPerS: [], batchesPerStep: [], decodeMsPerBatch: [] });
}
await round(2, "warm up");
for (let r = 0; r < options.rounds; r++) {
  for (const row of rows) {
    setBarrier(row.barrier);
    const measured = await round(row.streams, `r${r} ${row.streams} ${row.barrier}`);
    row.tokensPerS.push(measured.tokensPerS);
    row.batchesPerStep.push(measured.batchesPerStep);
    row.decodeMsPerBatch.push(measured.decodeMsPerBatch);
  }
}
setBarrier(true);
process.stdout.write("| streams | step barrier | aggregate tok/s median | batches per step median | decode ms per batch median |\n| --- | --- | --- | --- | --- |\n");
for (const row of rows) {
  process.stdout.write(`| ${row.streams} | ${row.barrier ? "on" : "off"} | ${median(row.tokensPerS)?.toFixed(1)} | ${median(row.batchesPerStep)?.toFixed(2)} | ${median(row.decodeMsPerBatch)?.toFixed(1)} |\n`);
}
await runner.dispose();
if (options.out !== undefined) await fs.writeFile(options.out, `${JSON.stringify({ threads: options.threads, rows }, null, 2)}\n`);
