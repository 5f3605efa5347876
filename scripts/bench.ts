// Benchmarks this server (in-process and cli runners) against llama.cpp's llama-server on one GGUF file, through
// /v1/chat/completions only; prints Markdown tables and writes bench/results/latest.{json,md,svg}. See bench/README.md.
//   npm run bench -- [--quick] [--backends node,cli,llama-server] [--model PATH] ...   (all options: --help)
import fsSync from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeTestModel } from "../src/testModel/writeTestModel.js";
import { lookUpBackend, type Backend } from "./bench/backends.js";
import { parseBenchOptions, USAGE, UsageError } from "./bench/benchOptions.js";
import { loadAverage, machineInfo, type BackendReport, type BenchReport } from "./bench/BenchReport.js";
import { renderMarkdown } from "./bench/markdown.js";
import type { ConcurrentRound, Sample, SkippedScenario } from "./bench/samples.js";
import { emptyAgentResults, renderAgentTables } from "./bench/agentScenarios.js";
import { runBackends } from "./bench/runBackend.js";
import { killAllServers } from "./bench/ServerProcess.js";
import { summariseConcurrent, summariseSingle, summariseTurns } from "./bench/summarise.js";
import { renderTtftChart } from "./bench/svgChart.js";
import { measureStoreTiming } from "./bench/storeTiming.js";
import { summariseBusy } from "./bench/busyScenario.js";
import { summariseRestart } from "./bench/restartScenario.js";
import { computeTargets, ownTargets, storeTargets } from "./bench/targets.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => process.stderr.write(`${line}\n`);

// No server (nor its temporary data) may outlive the benchmark, however it ends.
let workDir: string | undefined;
const cleanUp = () => {
  killAllServers();
  if (workDir !== undefined) fsSync.rmSync(workDir, { recursive: true, force: true });
};
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping every server the benchmark started`);
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseBenchOptions(argv, repoRoot);
  const startedAt = new Date();
  const started = performance.now();
  const deadline = started + options.profile.budgetMs;
  const model = await ensureModel(options.modelPath);
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-bench-"));
  workDir = tempDir;
  const nodeLlamaCpp = await readVersion(path.join(options.serverRoot, "node_modules", "node-llama-cpp", "package.json"));
  const machine = machineInfo(options.serverRoot, nodeLlamaCpp);
  log(`bench: ${options.quick ? "quick" : "full"} run, ${model.file}, threads ${options.threads}, context ${options.ctx} per sequence; load average ${machine.loadAverageStart.join(" ")}`);

  log("session store: read and write time per turn at 10, 100 and 1,000 turns");
  const store = await measureStoreTiming();
  const samples: Sample[] = [];
  const rounds: ConcurrentRound[] = [];
  const skipped: SkippedScenario[] = [];
  const agents = emptyAgentResults();
  const backends: BackendReport[] = [];
  try {
    const found: Array<{ backend: Backend; report: BackendReport }> = [];
    for (const id of options.backends) {
      const lookup = lookUpBackend(id, options, tempDir);
      if ("skipped" in lookup) {
        log(`${lookup.label}: skipped: ${lookup.skipped}`);
        backends.push({ id, label: lookup.label, skipped: lookup.skipped, starts: [] });
        continue;
      }
      const report: BackendReport = { id, label: lookup.backend.label, details: lookup.backend.details, starts: [] };
      backends.push(report);
      found.push({ backend: lookup.backend, report });
    }
    await runBackends(found, options, tempDir, deadline, { samples, rounds, skipped, agents }, log);
  } finally {
    killAllServers();
    await copyLogs(tempDir, options.outDir, startedAt).catch(() => undefined);
    await fs.rm(tempDir, { recursive: true, force: true });
    workDir = undefined;
  }

  machine.loadAverageEnd = loadAverage();
  const ran = backends.filter((backend) => backend.skipped === undefined).map((backend) => backend.id);
  const summaries = {
    single: summariseSingle(samples, ran),
    conversation: summariseTurns(samples, "conversation"),
    interleaved: summariseTurns(samples, "interleaved"),
    concurrent: summariseConcurrent(samples, rounds),
    busy: summariseBusy(samples),
    restart: summariseRestart(samples),
  };
  const targets = [
    ...storeTargets(store),
    ...ownTargets(summaries, ran.filter((id) => id !== "llama-server")),
    ...(ran.includes("llama-server") ? computeTargets(summaries, ran.filter((id) => id !== "llama-server"), options.parallel) : []),
  ];
  const report: BenchReport = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    durationS: (performance.now() - started) / 1000,
    command: argv.length === 0 ? "npm run bench" : `npm run bench -- ${argv.join(" ")}`,
    options,
    machine,
    model,
    backends,
    samples,
    concurrentRounds: rounds,
    skippedScenarios: skipped,
    agents,
    store,
    summaries,
    targets,
  };
  const label = (id: string) => backends.find((backend) => backend.id === id)?.label ?? id;
  const markdown = `${renderMarkdown(report)}\n${renderAgentTables(agents, label)}`;
  const chart = renderTtftChart(
    summaries.conversation.filter((turn) => turn.parallel === options.parallel),
    `Time to first token per turn, one conversation (${model.file}, ${options.threads} threads)`,
    label,
  );
  await writeResults(options.outDir, startedAt, { json: `${JSON.stringify(report, null, 2)}\n`, md: markdown, svg: chart });
  process.stdout.write(markdown);
  if (report.durationS * 1000 > (options.quick ? 3 : 20) * 60_000) {
    log(`note: this run took ${Math.round(report.durationS)} s, more than its ${options.quick ? 3 : 20}-minute target (load average ${machine.loadAverageEnd.join(" ")})`);
  }
}

/** The model to run; the default one is generated when missing, any other must exist. */
async function ensureModel(modelPath: string): Promise<BenchReport["model"]> {
  const isDefault = modelPath === path.join(repoRoot, "models", "bench-small.gguf");
  const stat = await fs.stat(modelPath).catch(() => undefined);
  if (stat === undefined) {
    if (!isDefault) throw new UsageError(`--model ${modelPath} does not exist`);
    log(`writing the small test model to ${modelPath} (random weights, about 300 MiB)`);
    await writeTestModel({ outPath: modelPath, size: "small" });
  }
  const bytes = (await fs.stat(modelPath)).size;
  return { path: modelPath, file: path.basename(modelPath), bytes, mib: Math.round(bytes / 2 ** 20) };
}

async function writeResults(outDir: string, startedAt: Date, files: { json: string; md: string; svg: string }): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  const stamp = runStamp(startedAt);
  for (const [extension, content] of Object.entries(files)) {
    // latest.* is what the README shows; run-<time>.* keeps earlier runs locally (git ignores them)
    await fs.writeFile(path.join(outDir, `run-${stamp}.${extension}`), content);
    const temporary = path.join(outDir, `latest.${extension}.tmp`);
    await fs.writeFile(temporary, content);
    await fs.rename(temporary, path.join(outDir, `latest.${extension}`));
  }
  log(`wrote ${path.join(outDir, "latest.{json,md,svg}")} and run-${stamp}.*`);
}

/** The servers' own logs (per-request lines with cached tokens), kept beside the run's results. */
async function copyLogs(workDir: string, outDir: string, startedAt: Date): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  for (const name of await fs.readdir(workDir)) {
    if (name.endsWith(".log")) await fs.copyFile(path.join(workDir, name), path.join(outDir, `run-${runStamp(startedAt)}-${name}`));
  }
}

const runStamp = (date: Date) => date.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");

async function readVersion(packageJson: string): Promise<string | undefined> {
  return fs.readFile(packageJson, "utf8").then((text) => (JSON.parse(text) as { version?: string }).version, () => undefined);
}

main().catch((error: unknown) => {
  killAllServers();
  if (error instanceof UsageError) {
    log(`${error.message ? `${error.message}\n\n` : ""}${USAGE}`);
    process.exit(error.message ? 2 : 0);
  }
  log(`bench failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
