import type { Generation, GenerationResult } from "./Runner.js";

/**
 * Wraps a runner's chunk generator as a Generation. The generator fills `stats` as it goes (`startedAt` is
 * when the request reached the runner, for time to first token), so that `result`
 * is known however the stream ends: to the last chunk, by an abort, or by a consumer that stops reading early
 * (which runs the generator's `finally` and frees what it holds).
 */
export function createGeneration(
  produce: (stats: GenerationResult, startedAt: number) => AsyncGenerator<string, void, undefined>,
): Generation {
  const startedAt = performance.now();
  const stats: GenerationResult = {
    finishReason: "stop",
    promptTokens: 0,
    cachedTokens: 0,
    generatedTokens: 0,
    generationSeconds: 0,
  };
  let settle!: { resolve: (value: GenerationResult) => void; reject: (error: unknown) => void };
  const result = new Promise<GenerationResult>((resolve, reject) => (settle = { resolve, reject }));
  // A consumer that never looks at `result` must not see an unhandled rejection.
  result.catch(() => undefined);
  let started = false;

  return {
    result,
    async *[Symbol.asyncIterator]() {
      if (started) throw new Error("A generation can be read only once");
      started = true;
      let failed = false;
      try {
        yield* produce(stats, startedAt);
      } catch (error) {
        failed = true;
        settle.reject(error);
        throw error;
      } finally {
        if (!failed) settle.resolve(stats);
      }
    },
  };
}
