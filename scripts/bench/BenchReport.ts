import { execFileSync } from "node:child_process";
import os from "node:os";
import type { AgentResults } from "./agentScenarios.js";
import type { BackendId, BenchOptions } from "./benchOptions.js";
import type { ConcurrentRound, Sample, SkippedScenario } from "./samples.js";
import type { StoreTimingRow } from "./storeTiming.js";
import type { Summaries, TargetResult } from "./targets.js";

/** Everything one run writes to latest.json: raw samples, summaries, targets and what ran where. */
export interface BenchReport {
  schema: 1;
  startedAt: string;
  durationS: number;
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  model: { path: string; file: string; bytes: number; mib: number };
  backends: BackendReport[];
  samples: Sample[];
  concurrentRounds: ConcurrentRound[];
  skippedScenarios: SkippedScenario[];
  /** The structured-output and agent-loop scenarios (scripts/bench/agentScenarios.ts). */
  agents: AgentResults;
  /** Session store read and write time per turn by chat length (scripts/bench/storeTiming.ts). */
  store: StoreTimingRow[];
  summaries: Summaries;
  targets: TargetResult[];
}

export interface BackendReport {
  id: BackendId;
  label: string;
  skipped?: string;
  /** What the server said it loaded: our "model loaded" line's build, llama-server's version. */
  build?: string;
  details?: Record<string, unknown>;
  /** One entry per server started: its parallel, start-up time and start-up facts. */
  starts: { parallel: number; startupMs: number; warmUpMs?: number; facts: Record<string, unknown> }[];
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  nodeLlamaCpp: string | undefined;
  serverCommit: string | undefined;
  loadAverageStart: string[];
  loadAverageEnd: string[];
}

export function machineInfo(serverRoot: string, nodeLlamaCppVersion: string | undefined): MachineInfo {
  let serverCommit: string | undefined;
  try {
    const head = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: serverRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: serverRoot, encoding: "utf8" }).trim() !== "";
    serverCommit = dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    serverCommit = undefined;
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeLlamaCpp: nodeLlamaCppVersion,
    serverCommit,
    loadAverageStart: loadAverage(),
    loadAverageEnd: [],
  };
}

/** The 1, 5 and 15 minute load averages: on a shared machine they say how noisy the numbers are. */
export function loadAverage(): string[] {
  return os.loadavg().map((value) => value.toFixed(2));
}
