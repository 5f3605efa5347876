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

/**
 * Every scenario on one backend: a server with `--parallel` sequences for all of them, then one more with each
 * other interleaved parallel. A backend that fails to start or to answer its warm-up request is recorded as
 * skipped, with the reason.
 */
export async function runBackend(
  backend: Backend,
  options: BenchOptions,
  workDir: string,
  deadline: number,
  report: BackendReport,
  into: Collectors,
  log: (line: string) => void,
): Promise<void> {
  const { profile } = options;
  const parallels = [options.parallel, ...profile.interleaved.parallels.filter((parallel) => parallel !== options.parallel)];
  const modes = backend.hasChatId ? (options.quick ? (["chat_id"] as const) : (["chat_id", "stateless"] as const)) : (["stateless"] as const);
  for (const parallel of parallels) {
    if (performance.now() > deadline) {
      into.skipped.push({ backend: backend.id, scenario: "interleaved", parallel, reason: "the run's time budget is spent" });
      continue;
    }
    log(`${backend.label}: starting with parallel ${parallel}`);
    const skip = (reason: string) => {
      log(`${backend.label}: skipped: ${reason}`);
      if (report.starts.length === 0) report.skipped = reason;
      else into.skipped.push({ backend: backend.id, scenario: "interleaved", parallel, reason });
    };
    let server: RunningBackend;
    try {
      server = await backend.start(parallel);
    } catch (error) {
      return skip(error instanceof BackendUnavailable ? error.message : `failed to start: ${(error as Error).message}`);
    }
    try {
      let warmUpMs: number;
      try {
        warmUpMs = await warmUp(server, profile.requestTimeoutMs);
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        return skip(`its warm-up request failed: ${error.message}`);
      }
      report.starts.push({ parallel, startupMs: Math.round(server.startupMs), warmUpMs: Math.round(warmUpMs), facts: server.startupFacts });
      report.build ??= describeBuild(backend, server);
      const ctx: ScenarioContext = { backend, server, parallel, profile, deadline, samples: into.samples, rounds: into.rounds, skipped: into.skipped, log };
      const step = async (name: string, run: () => Promise<void>) => {
        const stepStarted = performance.now();
        await run();
        log(`${backend.label}: ${name} (parallel ${parallel}) in ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
      };
      if (parallel === options.parallel) {
        await step("single prompt", () => singlePrompt(ctx));
        await step("conversation, stateless", () => conversations(ctx, "conversation", "stateless"));
        if (backend.hasChatId) await step("conversation, chat_id", () => conversations(ctx, "conversation", "chat_id"));
      }
      if (profile.interleaved.parallels.includes(parallel)) {
        for (const mode of modes) await step(`interleaved, ${mode}`, () => conversations(ctx, "interleaved", mode));
      }
      if (parallel === options.parallel) {
        await step("concurrent streams", () => concurrentStreams(ctx));
        await step("new request while long replies run", () => busyTtft(ctx));
        await step("structured output", () => structuredOutput(ctx, into.agents.structured));
        await step("agent loop", () => agentLoop(ctx, into.agents.agentLoop));
      }
    } finally {
      await server.stop();
    }
  }
  // Only the in-process runner keeps KV caches; the cli runner re-reads every prompt anyway.
  if (backend.id === "node" && performance.now() < deadline) {
    const started = performance.now();
    const base = { parallel: options.parallel, profile, deadline, samples: into.samples, rounds: into.rounds, skipped: into.skipped, log };
    await restartTurn(backend, options, workDir, base);
    log(`${backend.label}: turn after a restart in ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
