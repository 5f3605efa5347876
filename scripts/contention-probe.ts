// Issue 12: does a new request wait for the context lock while other sequences generate? With every sequence
// holding another chat's cache, N = 0..3 long replies generate while one short new request (a fresh prompt, so
// it recycles a sequence) is timed, in-process on the runner the server uses. Each sequence call the request
// makes is timed too (node-llama-cpp's own methods, wrapped here): `eraseContextTokenRanges` and
// `saveStateToFile` do almost no work, so what they take is waiting for the context's lock.
//   npx tsx scripts/contention-probe.ts [--model PATH] [--threads 1] [--rounds 3] [--tokens 1500] [--out FILE]
import fs from "node:fs/promises";
import { LlamaContextSequence } from "node-llama-cpp";
import { buildRawPrompt } from "../src/llm/buildRawPrompt.js";
import { benchText } from "./bench/benchText.js";
import { probeSetup } from "./probe/probeSetup.js";
import { median } from "./bench/stats.js";


/** Time spent in each wrapped sequence method while `recording` is set. */
let recording: Record<string, number> | undefined;
for (const method of ["eraseContextTokenRanges", "saveStateToFile", "loadStateFromFile", "evaluateWithoutGeneratingNewTokens"] as const) {
  const original = LlamaContextSequence.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  (LlamaContextSequence.prototype as unknown as Record<string, unknown>)[method] = async function (this: LlamaContextSequence, ...args: unknown[]) {
    const into = recording;
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      if (into !== undefined) into[method] = (into[method] ?? 0) + performance.now() - started;
    }
  };
}

const { options, runner } = await probeSetup(1500);
const prompt = (tag: string, tokens: number, maxTokens: number) => buildRawPrompt(runner, benchText(tag, tokens), maxTokens).prompt;

/** Reads a generation to its end; resolves `started` at its first chunk. */
function consume(tag: string, maxTokens: number, signal?: AbortSignal) {
  const generation = runner.generate(prompt(tag, 100, maxTokens), { maxTokens, temperature: 0, ignoreEos: true, ...(signal ? { signal } : {}) });
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = (async () => {
    for await (const _ of generation) markStarted();
    return generation.result;
  })();
  return { started, done };
}

// Every sequence holds another chat's cache (≥ 64 tokens), as on a busy server.
for (let i = 0; i < 4; i++) await consume(`fill ${i}`, 8).done;

interface Row {
  running: number;
  ttftMs: number[];
  queueMs: number[];
  phases: Array<Record<string, number>>;
  decodeStepMs: number[];
}
const rows: Row[] = [];
process.stdout.write("| long replies running | new request TTFT | acquire (queue, save, erase) | saveStateToFile | eraseContextTokenRanges | prompt batches | their decode step |\n");
process.stdout.write("| --- | --- | --- | --- | --- | --- | --- |\n");
for (const running of [0, 1, 2, 3]) {
  const row: Row = { running, ttftMs: [], queueMs: [], phases: [], decodeStepMs: [] };
  for (let repeat = 0; repeat < options.rounds; repeat++) {
    const stop = new AbortController();
    const long = Array.from({ length: running }, (_, i) => consume(`long ${running} ${repeat} ${i}`, options.tokens, stop.signal));
    await Promise.all(long.map((item) => item.started));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const phases: Record<string, number> = {};
    recording = phases;
    const probe = consume(`new ${running} ${repeat}`, 4);
    const result = await probe.done;
    recording = undefined;
    stop.abort();
    const longResults = await Promise.all(long.map((item) => item.done));
    row.ttftMs.push((result.timeToFirstTokenSeconds ?? Number.NaN) * 1000);
    row.queueMs.push((result.queueSeconds ?? Number.NaN) * 1000);
    row.phases.push(phases);
    for (const other of longResults) row.decodeStepMs.push((other.generationSeconds / Math.max(1, other.generatedTokens - 1)) * 1000);
  }
  rows.push(row);
  const fmt = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(0));
  const phase = (name: string) => fmt(median(row.phases.map((item) => item[name] ?? 0)));
  process.stdout.write(
    `| ${running} | ${fmt(median(row.ttftMs))} | ${fmt(median(row.queueMs))} | ${phase("saveStateToFile")} | ${phase("eraseContextTokenRanges")} | ` +
      `${phase("evaluateWithoutGeneratingNewTokens")} | ${running === 0 ? "–" : fmt(median(row.decodeStepMs))} |\n`,
  );
}
await runner.dispose();
if (options.out !== undefined) await fs.writeFile(options.out, `${JSON.stringify({ threads: options.threads, model: options.model, rows }, null, 2)}\n`);
