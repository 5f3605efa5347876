import type { BenchReport } from "./BenchReport.js";
import type { TurnSummary } from "./summarise.js";

const ms = (value: number | undefined) => (value === undefined ? "–" : `${Math.round(value)} ms`);
const num = (value: number | undefined, digits = 1) => (value === undefined ? "–" : value.toFixed(digits));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "_Not measured (see below)._";
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The report as Markdown: what the run was, one table per scenario, then the targets. */
export function renderMarkdown(report: BenchReport): string {
  const { options, machine, summaries } = report;
  const profile = options.profile;
  const label = (id: string) => report.backends.find((backend) => backend.id === id)?.label ?? id;
  const out: string[] = [];

  out.push(`## Benchmark, ${report.startedAt.slice(0, 16).replace("T", " ")} UTC`);
  out.push("");
  out.push(
    `\`${report.command}\` · model \`${report.model.file}\` (${report.model.mib} MiB) · threads ${options.threads} · ` +
      `context ${options.ctx} per sequence · parallel ${options.parallel} · ${machine.cpu}, ${machine.cores} cores · ` +
      `Node ${machine.node} · load average ${machine.loadAverageStart.join(" ")} at start, ${machine.loadAverageEnd.join(" ")} at end · ` +
      `${Math.round(report.durationS)} s`,
  );
  out.push("");
  for (const backend of report.backends) {
    out.push(backend.skipped === undefined ? `- **${backend.label}**: ${backend.build ?? ""}` : `- **${backend.label}**: skipped: ${backend.skipped}`);
  }

  out.push("", `### Fresh single prompt (≈${profile.single.promptTokens}-token prompt, max_tokens ${profile.single.maxTokens}, ${profile.single.repeats} repeats)`, "");
  out.push(
    table(
      ["backend", "TTFT median", "TTFT p95", "gen tok/s median", "gen tok/s p5", "prompt tok/s median", "n"],
      summaries.single.map((row) => [
        label(row.backend),
        ms(row.ttftMedianMs),
        ms(row.ttftP95Ms),
        num(row.genTokensPerSMedian),
        num(row.genTokensPerSP5),
        num(row.promptTokensPerSMedian, 0),
        String(row.n),
      ]),
    ),
  );

  out.push("", `### One conversation, ${profile.conversation.turns} turns: TTFT · prompt tokens evaluated / in the prompt`, "");
  out.push(turnTable(summaries.conversation, options.parallel, label));
  out.push("", "llama-server has no `chat_id`: its one (stateless) run stands for both modes.");

  for (const parallel of profile.interleaved.parallels) {
    out.push("", `### ${profile.interleaved.chats} chats interleaved, ${profile.interleaved.turns} turns each, parallel ${parallel}: median over the chats`, "");
    out.push(turnTable(summaries.interleaved, parallel, label));
  }

  out.push("", `### Concurrent streams (≈${profile.concurrent.promptTokens}-token prompts, max_tokens ${profile.concurrent.maxTokens})`, "");
  out.push(
    table(
      ["streams", "backend", "aggregate tok/s", "TTFT median", "TTFT max"],
      summaries.concurrent.map((row) => [String(row.streams), label(row.backend), num(row.aggregateTokensPerS), ms(row.ttftMedianMs), ms(row.ttftMaxMs)]),
    ),
  );

  out.push("", `### A new request (≈${profile.busy.promptTokens}-token prompt) while N long replies (max_tokens ${profile.busy.longMaxTokens}) generate`, "");
  out.push(
    table(
      ["long replies running", "backend", "new request TTFT median", "their decode step median"],
      summaries.busy.map((row) => [String(row.running), label(row.backend), ms(row.ttftMedianMs), row.running === 0 ? "–" : ms(row.stepMs)]),
    ),
  );

  out.push("", `### Warm restart: turn ${profile.restart.turns + 1} of a ${profile.restart.turns}-turn chat (chat_id), with and without a restart before it`, "");
  out.push(
    table(
      ["backend", "TTFT without a restart", "TTFT right after a restart", "prompt tokens evaluated after it / in the prompt"],
      summaries.restart.map((row) => [label(row.backend), ms(row.ttftWithoutMs), ms(row.ttftAfterMs), `${num(row.evaluatedAfter, 0)}/${num(row.promptTokensAfter, 0)}`]),
    ),
  );

  out.push("", "### Session store per turn (SQLite, `KeyvSessionStore`): median · p95", "");
  const spread = (value: { median: number; p95: number }) => `${value.median.toFixed(2)} · ${value.p95.toFixed(2)} ms`;
  out.push(
    table(
      ["turns in the chat", "read: window of the last 20 turns", "read: window of the whole history", "write: one turn and its meta"],
      report.store.map((row) => [String(row.turns), spread(row.readWindowMs), spread(row.readWholeMs), spread(row.writeMs)]),
    ),
  );

  out.push("", "### Targets", "");
  out.push(
    table(
      ["backend", "target", "goal", "measured", "met", "per turn / values"],
      report.targets.map((row) => [
        label(row.backend),
        row.target,
        row.goal,
        num(row.value, 2),
        row.met === undefined ? "–" : row.met ? "yes" : "**no**",
        row.detail,
      ]),
    ),
  );
  if (report.skippedScenarios.length > 0) {
    out.push("", "### Not measured", "");
    for (const skip of report.skippedScenarios) out.push(`- ${label(skip.backend)} ${skip.scenario}${skip.mode ? ` ${skip.mode}` : ""} (parallel ${skip.parallel}): ${skip.reason}`);
  }
  return `${out.join("\n")}\n`;
}

function turnTable(turns: readonly TurnSummary[], parallel: number, label: (id: string) => string): string {
  const mine = turns.filter((turn) => turn.parallel === parallel);
  const series = [...new Set(mine.map((turn) => `${turn.backend}|${turn.mode}`))];
  const numbersOfTurns = [...new Set(mine.map((turn) => turn.turn))].sort((a, b) => a - b);
  const header = ["turn", ...series.map((key) => {
    const [backend, mode] = key.split("|") as [string, string];
    return backend === "llama-server" ? label(backend) : `${label(backend)} ${mode}`;
  })];
  const rows = numbersOfTurns.map((turn) => [
    String(turn),
    ...series.map((key) => {
      const cell = mine.find((item) => `${item.backend}|${item.mode}` === key && item.turn === turn);
      return cell === undefined ? "–" : `${ms(cell.ttftMs)} · ${num(cell.promptEvaluated, 0)}/${num(cell.promptTokens, 0)}`;
    }),
  ]);
  return table(header, rows);
}
