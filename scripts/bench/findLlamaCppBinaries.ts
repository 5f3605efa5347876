import { spawnSync } from "node:child_process";
import path from "node:path";
import { isExecutable, llamaCppBuildPaths } from "../llamaCppCache.js";

export interface LlamaCppBinary {
  path: string;
  /** Where it was found: an environment variable or the build cache. */
  source: string;
}

export type BinaryLookup = { found: LlamaCppBinary } | { missing: string };

/**
 * llama-server and llama-completion where `npm run build:llama-cpp` leaves them (its own lookup:
 * `<cache>/llama.cpp-<commit>/build/bin/`); LLAMA_SERVER_PATH and LLAMA_CLI_PATH override it.
 */
export function findLlamaCppBinary(name: "llama-server" | "llama-completion", env: NodeJS.ProcessEnv = process.env): BinaryLookup {
  const variable = name === "llama-server" ? "LLAMA_SERVER_PATH" : "LLAMA_CLI_PATH";
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") {
    return isExecutable(fromEnv)
      ? { found: { path: path.resolve(fromEnv), source: variable } }
      : { missing: `${variable}=${fromEnv} is not an executable file` };
  }
  let candidate: string;
  try {
    const paths = llamaCppBuildPaths(env);
    candidate = name === "llama-server" ? paths.server : paths.completion;
  } catch (error) {
    return { missing: `cannot tell where ${name} would be built: ${(error as Error).message}` };
  }
  return isExecutable(candidate)
    ? { found: { path: candidate, source: "npm run build:llama-cpp" } }
    : { missing: `${candidate} is missing: run \`npm run build:llama-cpp\` or set ${variable}` };
}

/** The version line a binary prints (`version: 0.4.0-dev (build 1, commit 80fb11a)`), if any. */
export function binaryVersion(binary: string): string | undefined {
  // llama.cpp prints its version on stderr
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
  return /^version:.*$/m.exec(`${result.stdout ?? ""}\n${result.stderr ?? ""}`)?.[0];
}
