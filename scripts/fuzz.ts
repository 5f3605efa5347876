// A long fuzz run against the real server (a child process on 127.0.0.1, the generated test model), bounded by
// the clock; the same property as test/http/fuzz.test.ts (500 cases in CI). Prints what it saw; exits 1 on a
// counterexample, which it prints with fast-check's seed and path to replay it.
//   npm run fuzz [-- --minutes 10] [--seed N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { freePort, ServerProcess } from "./bench/ServerProcess.js";
import { stopServersOnExit } from "./bench/stopServersOnExit.js";
import { FUZZ_ENV, FUZZ_KEYS } from "./fuzz/fuzzEnv.js";
import { fuzzServer } from "./fuzz/fuzzServer.js";
import { writeTestModel } from "../src/testModel/writeTestModel.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, seed: { type: "string" } } });
const minutes = Number(values.minutes);
const model = path.join(root, "models", "test-model.gguf");
if (!fs.existsSync(model)) await writeTestModel({ outPath: model });

stopServersOnExit();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-fuzz-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = await ServerProcess.start({
  label: "llama-api",
  command: process.execPath,
  args: ["--import", "tsx", "src/main.ts"],
  cwd: root,
  env: { PATH: process.env["PATH"] ?? "", HOME: os.homedir(), PORT: String(port), LLAMA_MODEL: model, LLAMA_API_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...FUZZ_ENV },
  logFile: path.join(dataDir, "server.log"),
  healthUrl: `${url}/health`,
  startTimeoutMs: 120_000,
});
const startedAt = performance.now();
try {
  const { cases, statuses } = await fuzzServer({
    url,
    keys: FUZZ_KEYS,
    runs: Number.MAX_SAFE_INTEGER,
    timeLimitMs: minutes * 60_000,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  });
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(`\n| cases | seconds | statuses |\n| ---: | ---: | --- |\n| ${cases} | ${seconds.toFixed(0)} | ${Object.entries(statuses).map(([status, count]) => `${status}: ${count}`).join(", ")} |\n`);
  process.stdout.write(`server still up and healthy; log: ${path.join(dataDir, "server.log")}\n`);
} catch (error) {
  const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : "";
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}${cause}\nserver log: ${path.join(dataDir, "server.log")}\n`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
