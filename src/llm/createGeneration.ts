import type { Generation, GenerationResult } from "./Runner.js";

/**
 * Wraps a runner's chunk generator as a Generation. The generator fills `stats` as it goes, so that `result`
 * is known however the stream ends: to the last chunk, by an abort, or by a consumer that stops reading early
 * (which runs the generator's `finally` and frees what it holds).
 */
export function createGeneration(
  stats: GenerationResult,
  produce: () => AsyncGenerator<string, void, undefined>,
): Generation {
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
        yield* produce();
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
