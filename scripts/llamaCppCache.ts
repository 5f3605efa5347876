import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The llama.cpp source that node-llama-cpp ships: a git bundle of one commit, usable offline. */
export const LLAMA_CPP_BUNDLE = path.join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");

export interface LlamaCppBuildPaths {
  /** The llama.cpp commit in the bundle; the cache is keyed by it. */
  commit: string;
  sourceDir: string;
  buildDir: string;
  completion: string;
  server: string;
}

/**
 * Where `npm run build:llama-cpp` puts (and finds) its build: outside the repo, so that every worktree and
 * every clean CI checkout shares it. `LLAMA_CPP_CACHE_DIR` overrides the parent directory.
 */
export function llamaCppBuildPaths(env: NodeJS.ProcessEnv = process.env): LlamaCppBuildPaths {
  const cacheRoot =
    env["LLAMA_CPP_CACHE_DIR"] ||
    path.join(env["XDG_CACHE_HOME"] || path.join(os.homedir(), ".cache"), "llama-api");
  const commit = bundleCommit();
  const sourceDir = path.join(path.resolve(cacheRoot), `llama.cpp-${commit}`);
  const buildDir = path.join(sourceDir, "build");
  return {
    commit,
    sourceDir,
    buildDir,
    completion: path.join(buildDir, "bin", "llama-completion"),
    server: path.join(buildDir, "bin", "llama-server"),
  };
}

/** The built llama-completion, or undefined when it has not been built for the bundled commit. */
export function findCachedLlamaCompletion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { completion } = llamaCppBuildPaths(env);
  return isExecutable(completion) ? completion : undefined;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function bundleCommit(): string {
  const heads = execFileSync("git", ["bundle", "list-heads", LLAMA_CPP_BUNDLE], { encoding: "utf8" });
  const commit = /^([0-9a-f]{40}) /m.exec(heads)?.[1];
  if (commit === undefined) throw new Error(`No commit found in ${LLAMA_CPP_BUNDLE}`);
  return commit;
}
