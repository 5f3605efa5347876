import { availableParallelism } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

export const BACKEND_IDS = ["node", "cli", "llama-server"] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

/** How much each scenario does; `--quick` picks the small one. */
export interface Profile {
  /** Hard limit for the whole run: later scenarios are skipped (and say so) once it has passed. */
  budgetMs: number;
  requestTimeoutMs: number;
  single: { repeats: number; promptTokens: number; maxTokens: number };
  /** max_tokens per turn cycles through `maxTokens`, as a reply length varies in a real chat. */
  conversation: { turns: number; userTokens: number; maxTokens: readonly number[] };
  interleaved: { chats: number; turns: number; userTokens: number; maxTokens: readonly number[]; parallels: readonly number[] };
  concurrent: { streams: readonly number[]; repeats: number; promptTokens: number; maxTokens: number };
  /** A new request's prompt and reply while `running` long replies of `longMaxTokens` generate. */
  busy: { running: readonly number[]; repeats: number; promptTokens: number; maxTokens: number; longMaxTokens: number };
  /** Two chats of `turns` turns, then turn `turns + 1` with and without a restart before it. */
  restart: { turns: number; userTokens: number; maxTokens: readonly number[] };
}

export interface BenchOptions {
  modelPath: string;
  /** "default": each server at its own default (ours: cores − 1; llama-server: its own), as a user runs them. */
  threads: number | "default";
  /** Context per sequence: LLAMA_CONTEXT_SIZE for us, `-c` / `--parallel` for llama-server. */
  ctx: number;
  /** Sequences (llama-server slots) for every scenario but the interleaved one's second pass. */
  parallel: number;
  quick: boolean;
  backends: readonly BackendId[];
  outDir: string;
  /** The checkout whose src/main.ts is "our server" (another branch, or a copy with its own node_modules). */
  serverRoot: string;
  profile: Profile;
}

const replyLengths = [48, 32, 56, 40, 60, 36, 52, 44, 30, 58];

const fullProfile: Profile = {
  budgetMs: 30 * 60_000,
  requestTimeoutMs: 120_000,
  single: { repeats: 10, promptTokens: 500, maxTokens: 128 },
  conversation: { turns: 10, userTokens: 250, maxTokens: replyLengths },
  interleaved: { chats: 4, turns: 5, userTokens: 250, maxTokens: replyLengths, parallels: [4, 2] },
  concurrent: { streams: [1, 2, 4], repeats: 2, promptTokens: 100, maxTokens: 128 },
  busy: { running: [0, 1, 2, 3], repeats: 2, promptTokens: 100, maxTokens: 8, longMaxTokens: 200 },
  restart: { turns: 10, userTokens: 250, maxTokens: replyLengths },
};

const quickProfile: Profile = {
  budgetMs: 6 * 60_000,
  requestTimeoutMs: 60_000,
  single: { repeats: 3, promptTokens: 200, maxTokens: 32 },
  conversation: { turns: 5, userTokens: 120, maxTokens: [24, 16, 28, 20, 30] },
  interleaved: { chats: 4, turns: 3, userTokens: 100, maxTokens: [16, 24, 20], parallels: [4, 2] },
  concurrent: { streams: [1, 2, 4], repeats: 1, promptTokens: 60, maxTokens: 32 },
  busy: { running: [0, 1, 2, 3], repeats: 1, promptTokens: 60, maxTokens: 8, longMaxTokens: 100 },
  restart: { turns: 5, userTokens: 120, maxTokens: [24, 16, 28, 20, 30] },
};

export const USAGE = `npm run bench -- [options]
  --model PATH      GGUF file for every backend (default models/bench-small.gguf, generated when missing)
  --threads N       compute threads for every backend (default: LLAMA_THREADS's default, cores - 1, at least 1);
                    "default": each server at its own default (no LLAMA_THREADS, no llama-server --threads)
  --ctx N           context per sequence (default 4096)
  --parallel N      sequences / llama-server slots (default 4; the interleaved scenario also runs with 2)
  --backends LIST   comma list of ${BACKEND_IDS.join(", ")} (default: all)
  --out DIR         where results go (default bench/results)
  --server-root DIR run our server from this checkout (default: this one), e.g. another branch's worktree
  --max-minutes N   stop sending requests after N minutes (default 30; 6 with --quick)
  --quick           fewer repeats, turns and tokens: about 3 minutes instead of 20`;

export function parseBenchOptions(argv: readonly string[], repoRoot: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: "string", default: path.join(repoRoot, "models", "bench-small.gguf") },
      // The server's own default (see defaultThreads in NodeLlamaCppRunner), so a default run measures defaults.
      threads: { type: "string", default: String(Math.max(1, availableParallelism() - 1)) },
      ctx: { type: "string", default: "4096" },
      parallel: { type: "string", default: "4" },
      backends: { type: "string", default: BACKEND_IDS.join(",") },
      out: { type: "string", default: path.join(repoRoot, "bench", "results") },
      "max-minutes": { type: "string" },
      "server-root": { type: "string", default: repoRoot },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError("");
  const backends = values.backends.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const unknown = backends.filter((name) => !(BACKEND_IDS as readonly string[]).includes(name));
  if (unknown.length > 0 || backends.length === 0) throw new UsageError(`--backends: unknown ${unknown.join(", ") || "(empty)"}`);
  return {
    modelPath: path.resolve(values.model),
    threads: values.threads === "default" ? "default" : positiveInteger("--threads", values.threads),
    ctx: positiveInteger("--ctx", values.ctx),
    parallel: positiveInteger("--parallel", values.parallel),
    quick: values.quick,
    backends: BACKEND_IDS.filter((id) => backends.includes(id)),
    outDir: path.resolve(values.out),
    serverRoot: path.resolve(values["server-root"]),
    profile: {
      ...(values.quick ? quickProfile : fullProfile),
      ...(values["max-minutes"] === undefined ? {} : { budgetMs: positiveInteger("--max-minutes", values["max-minutes"]) * 60_000 }),
    },
  };
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

function positiveInteger(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, not "${raw}"`);
  return value;
}
