import path from "node:path";
import { findCachedLlamaCompletion, isExecutable } from "../../scripts/llamaCppCache.js";

/**
 * The llama-completion binary for the cli runner's tests: LLAMA_CLI_PATH, else the cached build of
 * `npm run build:llama-cpp`. Missing, it is an error in CI or when LLAMA_CLI_PATH names it; only a local run
 * with neither set skips those tests, and says so.
 */
export function llamaCliBinary(): string | undefined {
  const configured = process.env["LLAMA_CLI_PATH"]?.trim() || undefined;
  const candidate = configured ?? findCachedLlamaCompletion();
  if (candidate !== undefined && isExecutable(candidate)) return path.resolve(candidate);
  const why = configured === undefined ? "no cached build" : `LLAMA_CLI_PATH=${configured} is not an executable file`;
  if (configured !== undefined || (process.env["CI"] ?? "") !== "") {
    throw new Error(`The llama.cpp binary runner cannot be tested: ${why}. Run \`npm run build:llama-cpp\`.`);
  }
  process.stderr.write(
    `\n*** SKIPPING the llama.cpp binary runner tests: ${why}. Run \`npm run build:llama-cpp\` to include them. ***\n\n`,
  );
  return undefined;
}
