import type { GenerationResult } from "../../llm/Runner.js";

/**
 * llama.cpp's server extension to OpenAI's usage: `timings`, measured where the tokens are made, so a client
 * need not time a stream whose chunks the network may deliver in bursts (llama-server's own web page shows
 * these). `prompt_ms` runs to the first generated token; `predicted_ms` from it to the last, so the rate
 * counts the tokens after the first, as llama_api_generation_tokens_per_second does.
 */
export function llamaCppTimings(result: GenerationResult) {
  const perSecond = (count: number, seconds: number | undefined) =>
    seconds !== undefined && seconds > 0 && count > 0 ? round(count / seconds) : undefined;
  const evaluated = result.promptTokens - result.cachedTokens;
  return {
    cache_n: result.cachedTokens,
    prompt_n: evaluated,
    ...(result.promptSeconds === undefined
      ? {}
      : { prompt_ms: round(result.promptSeconds * 1000), prompt_per_second: perSecond(evaluated, result.promptSeconds) }),
    predicted_n: result.generatedTokens,
    predicted_ms: round(result.generationSeconds * 1000),
    predicted_per_second: perSecond(result.generatedTokens - 1, result.generationSeconds),
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
