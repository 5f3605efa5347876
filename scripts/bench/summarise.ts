import type { BackendId } from "./benchOptions.js";
import type { ConcurrentRound, Mode, Sample } from "./samples.js";
import { median, numbers, percentile } from "./stats.js";

export interface SingleSummary {
  backend: BackendId;
  n: number;
  ttftMedianMs?: number | undefined;
  ttftP95Ms?: number | undefined;
  genTokensPerSMedian?: number | undefined;
  /** The slowest 5 %: the tokens/s counterpart of a p95 time. */
  genTokensPerSP5?: number | undefined;
  /** Prompt tokens evaluated over time to first token, as the client sees it. */
  promptTokensPerSMedian?: number | undefined;
  /** llama-server's own timings.prompt_per_second and predicted_per_second, for comparison. */
  serverPromptTokensPerSMedian?: number | undefined;
  serverGenTokensPerSMedian?: number | undefined;
}

export interface TurnSummary {
  backend: BackendId;
  mode: Mode;
  parallel: number;
  turn: number;
  /** Median over the chats (one chat in the conversation scenario). */
  ttftMs?: number | undefined;
  promptTokens?: number | undefined;
  newTokens?: number | undefined;
  promptEvaluated?: number | undefined;
  n: number;
}

export interface ConcurrentSummary {
  backend: BackendId;
  streams: number;
  aggregateTokensPerS?: number | undefined;
  ttftMedianMs?: number | undefined;
  ttftMaxMs?: number | undefined;
}

const ok = (sample: Sample) => sample.error === undefined;

export function summariseSingle(samples: readonly Sample[], backends: readonly BackendId[]): SingleSummary[] {
  return backends.map((backend) => {
    const mine = samples.filter((sample) => sample.scenario === "single" && sample.backend === backend && ok(sample));
    const ttft = numbers(mine.map((sample) => sample.ttftMs));
    const gen = numbers(mine.map((sample) => sample.genTokensPerS));
    const prompt = numbers(mine.map((sample) => (sample.promptEvaluated ?? 0) / ((sample.ttftMs ?? Infinity) / 1000)));
    return {
      backend,
      n: mine.length,
      ttftMedianMs: median(ttft),
      ttftP95Ms: percentile(ttft, 95),
      genTokensPerSMedian: median(gen),
      genTokensPerSP5: percentile(gen, 5),
      promptTokensPerSMedian: median(prompt),
      serverPromptTokensPerSMedian: median(numbers(mine.map((sample) => sample.serverTimings?.["prompt_per_second"]))),
      serverGenTokensPerSMedian: median(numbers(mine.map((sample) => sample.serverTimings?.["predicted_per_second"]))),
    };
  });
}

/** Per backend, mode, parallel and turn, for the conversation or the interleaved scenario. */
export function summariseTurns(samples: readonly Sample[], scenario: "conversation" | "interleaved"): TurnSummary[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    if (sample.scenario !== scenario || !ok(sample) || sample.mode === undefined || sample.turn === undefined) continue;
    const key = [sample.backend, sample.mode, sample.parallel, sample.turn].join("|");
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const middle = (pick: (sample: Sample) => number | undefined) => median(numbers(group.map(pick)));
    return {
      backend: first.backend,
      mode: first.mode!,
      parallel: first.parallel,
      turn: first.turn!,
      ttftMs: middle((sample) => sample.ttftMs),
      promptTokens: middle((sample) => sample.promptTokens),
      newTokens: middle((sample) => sample.newTokens),
      promptEvaluated: middle((sample) => sample.promptEvaluated),
      n: group.length,
    };
  });
}

export function summariseConcurrent(samples: readonly Sample[], rounds: readonly ConcurrentRound[]): ConcurrentSummary[] {
  const keys = [...new Set(rounds.map((round) => `${round.backend}|${round.streams}`))];
  return keys.map((key) => {
    const [backend, streams] = key.split("|") as [BackendId, string];
    const mine = (item: { backend: BackendId; streams?: number | undefined }) => item.backend === backend && item.streams === Number(streams);
    const ttft = numbers(samples.filter((sample) => sample.scenario === "concurrent" && mine(sample) && ok(sample)).map((sample) => sample.ttftMs));
    return {
      backend,
      streams: Number(streams),
      aggregateTokensPerS: median(rounds.filter(mine).map((round) => round.aggregateTokensPerS)),
      ttftMedianMs: median(ttft),
      ttftMaxMs: ttft.length === 0 ? undefined : Math.max(...ttft),
    };
  });
}
