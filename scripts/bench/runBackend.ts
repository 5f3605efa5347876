import type { Backend, RunningBackend } from "./backends.js";
import { BackendUnavailable } from "./backends.js";
import type { BenchOptions } from "./benchOptions.js";
import type { BackendReport } from "./BenchReport.js";
import { agentLoop, structuredOutput, type AgentResults } from "./agentScenarios.js";
import type { ConcurrentRound, Sample, SkippedScenario } from "./samples.js";
import { busyTtft } from "./busyScenario.js";
import { restartTurn } from "./restartScenario.js";
import { concurrentStreams, conversations, singlePrompt, warmUp, type ScenarioContext } from "./scenarios.js";
import { RequestFailed } from "./streamChat.js";

export interface Collectors {
  samples: Sample[];
  rounds: ConcurrentRound[];
  skipped: SkippedScenario[];
  agents: AgentResults;
}

interface Step {
  name: string;
  /** Whether it runs on this backend's server with this parallel. */
  applies(backend: Backend, parallel: number): boolean;
  run(ctx: ScenarioContext, into: Collectors): Promise<void>;
}

/**
 * The backends side by side: for each parallel, a server of every backend is started, and each scenario runs on
 * one backend after the other before the next scenario starts, so that a machine whose load changes during the
 * run (a shared one) weighs on every backend alike. A backend that fails to start or to answer its warm-up
 * request is recorded as skipped, with the reason. Then the warm-restart scenario, on the in-process runner.
 */
export async function runBackends(
  backends: readonly { backend: Backend; report: BackendReport }[],
  options: BenchOptions,
  workDir: string,
  deadline: number,
  into: Collectors,
  log: (line: string) => void,
): Promise<void> {
  const { profile } = options;
  const main = options.parallel;
  const parallels = [main, ...profile.interleaved.parallels.filter((parallel) => parallel !== main)];
  const interleaved = (backend: Backend) =>
    backend.hasChatId ? (options.quick ? (["chat_id"] as const) : (["chat_id", "stateless"] as const)) : (["stateless"] as const);
  const steps: Step[] = [
    { name: "single prompt", applies: (_, parallel) => parallel === main, run: (ctx) => singlePrompt(ctx) },
    { name: "conversation, stateless", applies: (_, parallel) => parallel === main, run: (ctx) => conversations(ctx, "conversation", "stateless") },
    { name: "conversation, chat_id", applies: (backend, parallel) => parallel === main && backend.hasChatId, run: (ctx) => conversations(ctx, "conversation", "chat_id") },
    ...(["chat_id", "stateless"] as const).map((mode) => ({
      name: `interleaved, ${mode}`,
      applies: (backend: Backend, parallel: number) => profile.interleaved.parallels.includes(parallel) && (interleaved(backend) as readonly string[]).includes(mode),
      run: (ctx: ScenarioContext) => conversations(ctx, "interleaved", mode),
    })),
    { name: "concurrent streams", applies: (_, parallel) => parallel === main, run: (ctx) => concurrentStreams(ctx) },
    { name: "new request while long replies run", applies: (_, parallel) => parallel === main, run: (ctx) => busyTtft(ctx) },
    { name: "structured output", applies: (_, parallel) => parallel === main, run: (ctx, collectors) => structuredOutput(ctx, collectors.agents.structured) },
    { name: "agent loop", applies: (_, parallel) => parallel === main, run: (ctx, collectors) => agentLoop(ctx, collectors.agents.agentLoop) },
  ];
  for (const parallel of parallels) {
    if (performance.now() > deadline) {
      for (const { backend } of backends) into.skipped.push({ backend: backend.id, scenario: "interleaved", parallel, reason: "the run's time budget is spent" });
      continue;
    }
    const running: Array<{ backend: Backend; ctx: ScenarioContext }> = [];
    try {
      for (const { backend, report } of backends) {
        const server = await startAndWarmUp(backend, parallel, options, report, into, log);
        if (server !== undefined) {
          running.push({ backend, ctx: { backend, server, parallel, profile, deadline, samples: into.samples, rounds: into.rounds, skipped: into.skipped, log } });
        }
      }
      for (const step of steps) {
        for (const { backend, ctx } of running) {
          if (!step.applies(backend, parallel)) continue;
          const started = performance.now();
          await step.run(ctx, into);
          log(`${backend.label}: ${step.name} (parallel ${parallel}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
      }
    } finally {
      for (const { ctx } of running) await ctx.server.stop();
    }
  }
  // Only the in-process runner keeps KV caches; the cli runner re-reads every prompt anyway.
  for (const { backend } of backends) {
    if (backend.id !== "node" || performance.now() > deadline) continue;
    const started = performance.now();
    const base = { parallel: main, profile, deadline, samples: into.samples, rounds: into.rounds, skipped: into.skipped, log };
    await restartTurn(backend, options, workDir, base);
    log(`${backend.label}: turn after a restart in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** A started, warmed-up server, or undefined (the reason recorded) when it would not start or answer. */
async function startAndWarmUp(
  backend: Backend,
  parallel: number,
  options: BenchOptions,
  report: BackendReport,
  into: Collectors,
  log: (line: string) => void,
): Promise<RunningBackend | undefined> {
  log(`${backend.label}: starting with parallel ${parallel}`);
  const skip = (reason: string) => {
    log(`${backend.label}: skipped: ${reason}`);
    if (report.starts.length === 0) report.skipped = reason;
    else into.skipped.push({ backend: backend.id, scenario: "interleaved", parallel, reason });
    return undefined;
  };
  let server: RunningBackend;
  try {
    server = await backend.start(parallel);
  } catch (error) {
    return skip(error instanceof BackendUnavailable ? error.message : `failed to start: ${(error as Error).message}`);
  }
  try {
    const warmUpMs = await warmUp(server, options.profile.requestTimeoutMs);
    report.starts.push({ parallel, startupMs: Math.round(server.startupMs), warmUpMs: Math.round(warmUpMs), facts: server.startupFacts });
    report.build ??= describeBuild(backend, server);
    return server;
  } catch (error) {
    await server.stop();
    if (!(error instanceof RequestFailed)) throw error;
    return skip(`its warm-up request failed: ${error.message}`);
  }
}

function describeBuild(backend: Backend, server: RunningBackend): string {
  const facts = server.startupFacts;
  if (backend.id === "llama-server") return String(backend.details["binaryVersion"] ?? "version unknown");
  const loaded = facts["modelLoaded"] as Record<string, unknown> | null;
  const health = facts["health"] as Record<string, unknown> | undefined;
  const runner = `runner ${String(health?.["runner"] ?? "?")}`;
  return loaded?.["build"] === undefined ? `${runner}; no "model loaded" line with a build` : `${runner}, ${String(loaded["build"])}`;
}
