// Load against the real server (a child process on 127.0.0.1): mixed endpoints at 1x, 2x and 4x the
// server's capacity in connections (capacity = LLAMA_PARALLEL sequences + LLAMA_MAX_QUEUE waiting), each
// for a fixed time. Prints a table and writes JSON (bench/results/loadtest.json). Bounded in time; stops itself.
//   npm run loadtest [-- --seconds 20] [--model models/test-model.gguf] [--parallel 4] [--queue 4] [--levels 1,2,4]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTestModel } from "../src/testModel/writeTestModel.js";
import { freePort, ServerProcess } from "./bench/ServerProcess.js";
import { stopServersOnExit } from "./bench/stopServersOnExit.js";
import { runLevel, type LevelResult } from "./loadtest/runLevel.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    model: { type: "string", default: path.join(root, "models", "test-model.gguf") },
    parallel: { type: "string", default: "4" },
    queue: { type: "string", default: "4" },
    levels: { type: "string", default: "1,2,4" },
    "max-tokens": { type: "string", default: "8" },
    nice: { type: "string", default: "10" },
    out: { type: "string", default: path.join(root, "bench", "results", "loadtest.json") },
    "log-level": { type: "string", default: "info" },
  },
});
const seconds = Number(values.seconds);
const parallel = Number(values.parallel);
const queue = Number(values.queue);
const capacity = parallel + queue;
const levels = values.levels.split(",").map(Number);
if (!fs.existsSync(values.model)) await writeTestModel({ outPath: values.model });

stopServersOnExit();

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-load-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const key = "load-test-key-0123";
const server = await ServerProcess.start({
  label: "llama-api",
  command: process.execPath,
  args: ["--import", "tsx", "src/main.ts"],
  cwd: root,
  env: {
    PATH: process.env["PATH"] ?? "",
    HOME: os.homedir(),
    PORT: String(port),
    LLAMA_MODEL: path.resolve(values.model),
    LLAMA_API_DATA_DIR: dataDir,
    LLAMA_API_KEY: key,
    LLAMA_PARALLEL: String(parallel),
    LLAMA_MAX_QUEUE: String(queue),
    RATE_LIMIT_CHATS_PER_HOUR: "100000000",
    LOG_LEVEL: values["log-level"],
    ...(process.env["NODE_OPTIONS"] === undefined ? {} : { NODE_OPTIONS: process.env["NODE_OPTIONS"] }),
  },
  logFile: path.join(dataDir, "server.log"),
  healthUrl: `${url}/health`,
  startTimeoutMs: 300_000,
});

// Clients normally run on other machines. Here the load generator shares the cores with the server, and a
// refusal storm would take them from the server's compute thread: once the server runs (it keeps its own
// priority), the generator lowers its own. `--nice 0` measures without that.
os.setPriority(process.pid, Number(values.nice));

const results: LevelResult[] = [];
try {
  for (const level of levels) {
    process.stderr.write(`${level}x capacity: ${level * capacity} connections for ${seconds} s\n`);
    results.push(
      await runLevel({
        url,
        key,
        connections: level * capacity,
        seconds,
        maxTokens: Number(values["max-tokens"]),
        turnsPerChat: 10,
        label: `load${level}x`,
      }),
    );
  }
} finally {
  await server.stop();
}

const base = results[0]?.tokensPerSecond ?? 0;
const rows = results.map((result, index) => {
  const status = Object.entries(result.statuses).map(([code, count]) => `${code}: ${count}`).join(", ");
  const ratio = base > 0 ? (result.tokensPerSecond / base).toFixed(2) : "–";
  return `| ${levels[index]}× (${result.connections}) | ${result.requestsPerSecond} | ${result.latencyP50Ms} / ${result.latencyP99Ms} | ${result.ttftP50Ms ?? "–"} / ${result.ttftP99Ms ?? "–"} | ${status} | ${result.timeouts} | ${result.tokensPerSecond} (${ratio}) | ${result.rssBeforeMb} → ${result.rssAfterMb} | ${result.lostTurns} of ${result.completedTurns} |`;
});
process.stdout.write(
  [
    `\nLoad test: model ${path.basename(values.model)}, LLAMA_PARALLEL=${parallel}, LLAMA_MAX_QUEUE=${queue} (capacity ${capacity}), ${seconds} s per level, load generator at nice ${values.nice}, ${os.cpus().length} cores, load ${os.loadavg().map((load) => load.toFixed(2)).join(" ")}`,
    "",
    "| level (connections) | req/s | latency p50 / p99 ms | TTFT p50 / p99 ms (server) | statuses | timeouts | tokens/s (vs 1×) | RSS MB | lost turns |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n"),
);
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), model: path.basename(values.model), parallel, queue, capacity, seconds, nice: Number(values.nice), loadAverage: os.loadavg(), cores: os.cpus().length, results }, null, 2)}\n`);
process.stdout.write(`written ${path.relative(root, values.out)}\n`);
