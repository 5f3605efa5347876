// Builds llama.cpp's llama-completion (for LLAMA_RUNNER=cli) and llama-server (for benchmarks) from the source
// that node-llama-cpp ships, offline, into a cache outside the repo; a second run reuses the build.
// Prints the absolute binary paths on stdout, one per line (llama-completion first); progress goes to stderr.
//   npm run build:llama-cpp
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { isExecutable, LLAMA_CPP_BUNDLE, llamaCppBuildPaths } from "./llamaCppCache.js";
import { isLlamaCompletionPatched, patchLlamaCompletion } from "./patchLlamaCompletion.js";

const paths = llamaCppBuildPaths();
const binaries = [paths.completion, paths.server];

if (!binaries.every(isExecutable) || !isLlamaCompletionPatched(paths.sourceDir)) {
  const startedAt = performance.now();
  if (!fs.existsSync(paths.sourceDir)) {
    // Cloned beside its final name and renamed, so an interrupted clone is never mistaken for a source tree.
    const partial = `${paths.sourceDir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    run("git", ["clone", "--quiet", LLAMA_CPP_BUNDLE, partial]);
    fs.renameSync(partial, paths.sourceDir);
  }
  if (patchLlamaCompletion(paths.sourceDir)) process.stderr.write("patched tools/completion/completion.cpp (log flush at exit)\n");
  run("cmake", [
    "-S", paths.sourceDir,
    "-B", paths.buildDir,
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DGGML_NATIVE=ON",
    // Offline and minimal: no HTTPS client, no web UI download, no tests, examples or unified app.
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
  ]);
  run("cmake", [
    "--build", paths.buildDir,
    "--config", "Release",
    "--target", "llama-completion", "llama-server",
    "-j", String(os.availableParallelism()),
  ]);
  const minutes = (performance.now() - startedAt) / 60_000;
  process.stderr.write(`built llama.cpp ${paths.commit.slice(0, 10)} in ${minutes.toFixed(1)} min\n`);
} else {
  process.stderr.write(`reusing the llama.cpp ${paths.commit.slice(0, 10)} build in ${paths.buildDir}\n`);
}

for (const binary of binaries) {
  if (!isExecutable(binary)) throw new Error(`The build finished but ${binary} is missing`);
}
process.stdout.write(`${binaries.join("\n")}\n`);

/** Runs a build step with its output on stderr, so that stdout carries only the binary paths. */
function run(command: string, args: string[]): void {
  process.stderr.write(`$ ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, { stdio: ["ignore", process.stderr, process.stderr] });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) {
    process.stderr.write(`${command} failed with exit code ${result.status ?? result.signal}\n`);
    process.exit(1);
  }
}
