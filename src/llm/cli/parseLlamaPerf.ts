export interface CompletionCounts {
  /** Tokens evaluated as the prompt (BOS included). */
  promptTokens: number;
  generatedTokens: number;
}

/**
 * Token counts from the timings llama.cpp prints on stderr when a run ends (common_perf_print), e.g.
 *   common_perf_print: prompt eval time =  12.34 ms /    31 tokens (...)
 *   common_perf_print:        eval time =  45.67 ms /    11 runs   (...)
 * Every sampled token but the last is decoded once ("runs"); an end-of-generation token is sampled but not
 * counted as generated; llama.cpp prints a count of 0 as 1. Undefined when the timings are missing (the
 * process was killed, or failed first).
 */
export function parseLlamaPerf(
  stderr: string,
  run: { maxTokens: number; endOfText: boolean; text: string },
): CompletionCounts | undefined {
  const prompt = /prompt eval time =\s*[\d.]+ ms \/\s*(\d+) tokens/.exec(stderr)?.[1];
  const runs = /(?<!prompt )eval time =\s*[\d.]+ ms \/\s*(\d+) runs/.exec(stderr)?.[1];
  if (prompt === undefined || runs === undefined) return undefined;
  const evalRuns = Number(runs);
  if (!run.endOfText) return { promptTokens: Number(prompt), generatedTokens: Math.min(run.maxTokens, evalRuns + 1) };
  return { promptTokens: Number(prompt), generatedTokens: evalRuns === 1 && run.text === "" ? 0 : evalRuns };
}
