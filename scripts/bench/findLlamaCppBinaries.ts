import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LlamaCppBinary {
  path: string;
  /** Where it was found: an environment variable or the build cache. */
  source: string;
}

export type BinaryLookup = { found: LlamaCppBinary } | { missing: string };

/**
 * llama-server and llama-completion as `npm run build:llama-cpp` leaves them:
 * `<cache>/llama.cpp-<commit>/build/bin/`, where the cache is LLAMA_CPP_CACHE_DIR or
 * `$XDG_CACHE_HOME/llama-api` (default `~/.cache/llama-api`) and the commit is the one in node-llama-cpp's
 * bundled llama.cpp source. LLAMA_SERVER_PATH and LLAMA_CLI_PATH override the lookup.
 * (The same rule as the build script's own; it lives on another branch, so it is repeated here.)
 */
export function findLlamaCppBinary(
  name: "llama-server" | "llama-completion",
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): BinaryLookup {
  const variable = name === "llama-server" ? "LLAMA_SERVER_PATH" : "LLAMA_CLI_PATH";
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") {
    return isExecutable(fromEnv)
      ? { found: { path: path.resolve(fromEnv), source: variable } }
      : { missing: `${variable}=${fromEnv} is not an executable file` };
  }
  const cacheRoot = path.resolve(
    env["LLAMA_CPP_CACHE_DIR"] || path.join(env["XDG_CACHE_HOME"] || path.join(os.homedir(), ".cache"), "llama-api"),
  );
  const commit = bundledCommit(repoRoot);
  const candidate = commit === undefined ? undefined : path.join(cacheRoot, `llama.cpp-${commit}`, "build", "bin", name);
  if (candidate !== undefined && isExecutable(candidate)) return { found: { path: candidate, source: "build cache" } };
  return {
    missing:
      `${name} not found (${candidate ?? `no llama.cpp commit readable from node-llama-cpp's bundle under ${cacheRoot}`}); ` +
      `run \`npm run build:llama-cpp\` or set ${variable}`,
  };
}

/** The version line a binary prints (`version: 0.4.0-dev (build 1, commit 80fb11a)`), if any. */
export function binaryVersion(binary: string): string | undefined {
  // llama.cpp prints its version on stderr
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
  return /^version:.*$/m.exec(`${result.stdout ?? ""}\n${result.stderr ?? ""}`)?.[0];
}

function bundledCommit(repoRoot: string): string | undefined {
  const bundle = path.join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
  try {
    const heads = execFileSync("git", ["bundle", "list-heads", bundle], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return /^([0-9a-f]{40}) /m.exec(heads)?.[1];
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
