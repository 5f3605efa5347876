import type { BackendId } from "./benchOptions.js";
import type { Mode } from "./samples.js";
import type { StoreTimingRow } from "./storeTiming.js";
import type { BusySummary } from "./busyScenario.js";
import type { RestartSummary } from "./restartScenario.js";
import type { ConcurrentSummary, SingleSummary, TurnSummary } from "./summarise.js";

/** One of the issues' targets, measured for one of our backends against llama-server. */
export interface TargetResult {
  backend: BackendId;
  target: string;
  goal: string;
  /** The deciding number: the worst ratio or excess over the turns, or the ratio itself. */
  value: number | undefined;
  /** Per-turn values where the target has turns. */
  detail: string;
  met: boolean | undefined;
}

export interface Summaries {
  single: SingleSummary[];
  conversation: TurnSummary[];
  interleaved: TurnSummary[];
  concurrent: ConcurrentSummary[];
  busy: BusySummary[];
  restart: RestartSummary[];
}

const reference: BackendId = "llama-server";

/** Issues 6, 7 and 12's targets for each of our backends that ran beside llama-server. */
export function computeTargets(summaries: Summaries, ours: readonly BackendId[], mainParallel: number): TargetResult[] {
  const results: TargetResult[] = [];
  for (const backend of ours) {
    for (const mode of ["stateless", "chat_id"] as const) {
      results.push(
        ttftRatio(backend, mode, summaries.conversation, mainParallel, `TTFT ours/llama-server, turns 2+, ${mode}, parallel ${mainParallel}`, 1.05),
      );
    }
    for (const parallel of [...new Set(summaries.interleaved.map((turn) => turn.parallel))].sort((a, b) => b - a)) {
      for (const mode of ["chat_id", "stateless"] as const) {
        if (!summaries.interleaved.some((turn) => turn.backend === backend && turn.mode === mode && turn.parallel === parallel)) continue;
        // issue 12: under eviction (parallel 2: churn) too
        results.push(ttftRatio(backend, mode, summaries.interleaved, parallel, `TTFT ours/llama-server, 4 chats interleaved, ${mode}, parallel ${parallel}`, 1.05));
      }
    }
    results.push(resident(backend, summaries.conversation, mainParallel));
    results.push(statelessEvaluated(backend, summaries.conversation, mainParallel));
    const concurrent = (id: BackendId, streams: number) => summaries.concurrent.find((row) => row.backend === id && row.streams === streams);
    for (const streams of [2, 4]) {
      const tokensPerS = (id: BackendId) => concurrent(id, streams)?.aggregateTokensPerS;
      results.push(ratio(backend, `aggregate tokens/s at ${streams} streams, ours/llama-server`, 1, tokensPerS(backend), tokensPerS(reference)));
    }
    const ttftAt4 = (id: BackendId) => concurrent(id, 4)?.ttftMedianMs;
    results.push(ratio(backend, "TTFT median at 4 streams, ours/llama-server", 1.1, ttftAt4(backend), ttftAt4(reference), "at most"));
    const single = (id: BackendId) => summaries.single.find((row) => row.backend === id);
    results.push(ratio(backend, "generation tokens/s at 1 stream, ours/llama-server", 1, single(backend)?.genTokensPerSMedian, single(reference)?.genTokensPerSMedian));
    results.push(ratio(backend, "prompt evaluation tokens/s, ours/llama-server", 1, single(backend)?.promptTokensPerSMedian, single(reference)?.promptTokensPerSMedian));
  }
  return results;
}

function turnsOf(turns: readonly TurnSummary[], backend: BackendId, mode: Mode, parallel: number): Map<number, TurnSummary> {
  return new Map(
    turns.filter((turn) => turn.backend === backend && turn.mode === mode && turn.parallel === parallel && turn.turn >= 2).map((turn) => [turn.turn, turn]),
  );
}

/** llama-server has no chat_id: its stateless turns are the reference for both modes. */
function ttftRatio(backend: BackendId, mode: Mode, turns: readonly TurnSummary[], parallel: number, target: string, goal: number | undefined): TargetResult {
  const mine = turnsOf(turns, backend, mode, parallel);
  const theirs = turnsOf(turns, reference, "stateless", parallel);
  const ratios = [...mine.values()].flatMap((turn) => {
    const other = theirs.get(turn.turn)?.ttftMs;
    return turn.ttftMs === undefined || other === undefined ? [] : [{ turn: turn.turn, ratio: turn.ttftMs / other }];
  });
  const worst = ratios.length === 0 ? undefined : Math.max(...ratios.map((item) => item.ratio));
  return {
    backend,
    target,
    goal: goal === undefined ? "report" : `≤ ${goal} at every turn`,
    value: worst,
    detail: ratios.map((item) => `t${item.turn} ${item.ratio.toFixed(2)}`).join(", "),
    met: worst === undefined || goal === undefined ? undefined : worst <= goal,
  };
}

function resident(backend: BackendId, turns: readonly TurnSummary[], parallel: number): TargetResult {
  const excess = [...turnsOf(turns, backend, "chat_id", parallel).values()].flatMap((turn) =>
    turn.promptEvaluated === undefined || turn.newTokens === undefined ? [] : [{ turn: turn.turn, excess: turn.promptEvaluated - turn.newTokens }],
  );
  const worst = excess.length === 0 ? undefined : Math.max(...excess.map((item) => item.excess));
  return {
    backend,
    target: "prompt tokens evaluated − new-turn tokens, turns 2+, chat_id",
    goal: "≤ 8 at every turn",
    value: worst,
    detail: excess.map((item) => `t${item.turn} ${item.excess}`).join(", "),
    met: worst === undefined ? undefined : worst <= 8,
  };
}

function statelessEvaluated(backend: BackendId, turns: readonly TurnSummary[], parallel: number): TargetResult {
  const theirs = turnsOf(turns, reference, "stateless", parallel);
  const differences = [...turnsOf(turns, backend, "stateless", parallel).values()].flatMap((turn) => {
    const other = theirs.get(turn.turn)?.promptEvaluated;
    return turn.promptEvaluated === undefined || other === undefined ? [] : [{ turn: turn.turn, difference: turn.promptEvaluated - other }];
  });
  const worst = differences.length === 0 ? undefined : Math.max(...differences.map((item) => item.difference));
  return {
    backend,
    target: "prompt tokens evaluated, ours − llama-server, turns 2+, stateless",
    goal: "≤ 0 at every turn",
    value: worst,
    detail: differences.map((item) => `t${item.turn} ${item.difference}`).join(", "),
    met: worst === undefined ? undefined : worst <= 0,
  };
}

function ratio(
  backend: BackendId,
  target: string,
  goal: number,
  mine: number | undefined,
  theirs: number | undefined,
  bound: "at least" | "at most" = "at least",
): TargetResult {
  const value = mine === undefined || theirs === undefined || theirs === 0 ? undefined : mine / theirs;
  return {
    backend,
    target,
    goal: `${bound === "at least" ? "≥" : "≤"} ${goal}`,
    value,
    detail: mine === undefined || theirs === undefined ? "" : `${mine.toFixed(1)} vs ${theirs.toFixed(1)}`,
    met: value === undefined ? undefined : bound === "at least" ? value >= goal : value <= goal,
  };
}

/**
 * Issue 12, on our backends whether or not llama-server ran: a new request's TTFT while N long replies run is
 * at most its TTFT on the idle server plus one batch step of those replies (the step it shares), at every N;
 * and the turn after a restart at most 1.5 × the same turn without one.
 */
export function ownTargets(summaries: Summaries, ours: readonly BackendId[]): TargetResult[] {
  const results: TargetResult[] = [];
  for (const backend of ours) {
    const busy = summaries.busy.filter((row) => row.backend === backend);
    const idle = busy.find((row) => row.running === 0)?.ttftMedianMs;
    const excess = busy.flatMap((row) =>
      row.running === 0 || idle === undefined || row.ttftMedianMs === undefined || row.stepMs === undefined
        ? []
        : [{ running: row.running, excess: row.ttftMedianMs - idle - row.stepMs, ttft: row.ttftMedianMs, step: row.stepMs }],
    );
    if (excess.length > 0) {
      const worst = Math.max(...excess.map((item) => item.excess));
      results.push({
        backend,
        target: "new request TTFT while N long replies run − (idle TTFT + one batch step), ms",
        goal: "≤ 0 at every N",
        value: worst,
        detail: [`idle ${Math.round(idle!)} ms`, ...excess.map((item) => `N=${item.running} ${Math.round(item.ttft)} ms (step ${Math.round(item.step)})`)].join(", "),
        met: worst <= 0,
      });
    }
    const restart = summaries.restart.find((row) => row.backend === backend);
    if (restart !== undefined) {
      const turn = `turn ${restart.turn}`;
      results.push({
        ...ratio(backend, `TTFT of ${turn} right after a restart / without one`, 1.5, restart.ttftAfterMs, restart.ttftWithoutMs, "at most"),
        detail: `${Math.round(restart.ttftAfterMs ?? Number.NaN)} vs ${Math.round(restart.ttftWithoutMs ?? Number.NaN)} ms; evaluated ${restart.evaluatedAfter ?? "?"} of ${restart.promptTokensAfter ?? "?"} prompt tokens after it`,
      });
    }
  }
  return results;
}

/**
 * Issue 12: the session store on a turn's critical path stays small as chats grow. A turn reads its window
 * and writes itself; the whole history is read only when the system prompt changes, so it is reported.
 */
export function storeTargets(rows: readonly StoreTimingRow[]): TargetResult[] {
  const at1000 = rows.find((row) => row.turns === 1000);
  const detail = (pick: (row: StoreTimingRow) => { median: number }) => rows.map((row) => `${row.turns} turns ${pick(row).median.toFixed(2)} ms`).join(", ");
  const limit = (target: string, pick: (row: StoreTimingRow) => { median: number }, goal: number | undefined): TargetResult => {
    const value = at1000 === undefined ? undefined : pick(at1000).median;
    return {
      backend: "node",
      target,
      goal: goal === undefined ? "report" : `≤ ${goal} ms at 1,000 turns`,
      value,
      detail: detail(pick),
      met: value === undefined || goal === undefined ? undefined : value <= goal,
    };
  };
  return [
    limit("session store read per turn (its window), median", (row) => row.readWindowMs, 5),
    limit("session store write per turn, median", (row) => row.writeMs, 5),
    limit("session store read of the whole history (system-prompt change), median", (row) => row.readWholeMs, undefined),
  ];
}
