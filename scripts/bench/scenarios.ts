import type { Backend, RunningBackend } from "./backends.js";
import type { Profile } from "./benchOptions.js";
import { benchText } from "./benchText.js";
import type { ConcurrentRound, Mode, Sample, ScenarioId, SkippedScenario } from "./samples.js";
import { RequestFailed, streamChat, type ChatMessage, type ChatRequest, type StreamResult } from "./streamChat.js";

/** Where a scenario records to, and the limits it runs under. */
export interface ScenarioContext {
  backend: Backend;
  server: RunningBackend;
  parallel: number;
  profile: Profile;
  /** performance.now() after which no new request is sent. */
  deadline: number;
  samples: Sample[];
  rounds: ConcurrentRound[];
  skipped: SkippedScenario[];
  log(line: string): void;
}

/** A scenario stops after this many failed requests: a dead server should not cost the rest of the budget. */
const maxFailures = 3;

class ScenarioStopped extends Error {}

/** (a) Fresh single prompts, one after another: nothing of one is in the cache for the next. */
export async function singlePrompt(ctx: ScenarioContext): Promise<void> {
  const { repeats, promptTokens, maxTokens } = ctx.profile.single;
  await guarded(ctx, "single", undefined, async (send) => {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      const messages = [systemMessage(`single ${repeat}`), { role: "user" as const, content: benchText(`single-${repeat}`, promptTokens) }];
      await send({ messages, maxTokens }, { repeat });
    }
  });
}

/**
 * (b) and (c): `chats` conversations, round-robin one turn at a time. Stateless resends the whole
 * conversation, the replies as they were streamed; chat_id sends only the new turn.
 */
export async function conversations(ctx: ScenarioContext, scenario: "conversation" | "interleaved", mode: Mode): Promise<void> {
  const spec = scenario === "conversation" ? { ...ctx.profile.conversation, chats: 1 } : ctx.profile.interleaved;
  await guarded(ctx, scenario, mode, async (send) => {
    const chats = Array.from({ length: spec.chats }, (_, index) => ({
      // the mode (and pass) leads the system prompt, so no cached prefix carries over from another pass
      id: `bench-${scenario}-${mode}-p${ctx.parallel}-${index + 1}`,
      system: systemMessage(`${scenario} ${mode} ${ctx.parallel} ${index + 1}`),
      history: [] as ChatMessage[],
      previous: undefined as { promptTokens: number; completionTokens: number } | undefined,
      failed: false,
    }));
    for (let turn = 1; turn <= spec.turns; turn++) {
      for (const [index, chat] of chats.entries()) {
        if (chat.failed) continue;
        const user: ChatMessage = { role: "user", content: benchText(`${scenario}-${index + 1}-${turn}`, spec.userTokens) };
        const maxTokens = spec.maxTokens[(turn - 1) % spec.maxTokens.length]!;
        const request: ChatRequest =
          mode === "stateless"
            ? { messages: [chat.system, ...chat.history, user], maxTokens }
            : { messages: turn === 1 ? [chat.system, user] : [user], maxTokens, chatId: chat.id };
        const result = await send(request, { chat: index + 1, turn }, chat.previous);
        if (result === undefined) {
          chat.failed = true; // a conversation with a missing turn is no longer the same conversation
          if (turn < spec.turns) {
            const reason = `chat ${index + 1}: turn ${turn} failed (its error is in the samples), so its later turns were not sent`;
            ctx.skipped.push({ backend: ctx.backend.id, scenario, parallel: ctx.parallel, mode, reason });
          }
          continue;
        }
        chat.history.push(user, { role: "assistant", content: result.content });
        chat.previous = { promptTokens: result.promptTokens, completionTokens: result.completionTokens };
      }
    }
  });
}

/** (d) 1, 2 and 4 streams at once, each a fresh prompt: aggregate tokens/s and each stream's first token. */
export async function concurrentStreams(ctx: ScenarioContext): Promise<void> {
  const { streams: levels, repeats, promptTokens, maxTokens } = ctx.profile.concurrent;
  await guarded(ctx, "concurrent", undefined, async (send) => {
    for (const streams of levels) {
      for (let repeat = 1; repeat <= repeats; repeat++) {
        const started = performance.now();
        // settled, not Promise.all: a stopped scenario must not leave streams running into the next one
        const settled = await Promise.allSettled(
          Array.from({ length: streams }, (_, index) => {
            const tag = `concurrent ${streams} ${repeat} ${index + 1}`;
            const messages = [systemMessage(tag), { role: "user" as const, content: benchText(tag, promptTokens) }];
            return send({ messages, maxTokens }, { streams, stream: index + 1, repeat });
          }),
        );
        const rejected = settled.find((outcome) => outcome.status === "rejected");
        if (rejected !== undefined) throw rejected.reason;
        const results = settled.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : undefined));
        const wallMs = performance.now() - started;
        const completionTokens = results.reduce((sum, result) => sum + (result?.completionTokens ?? 0), 0);
        if (results.every((result) => result !== undefined)) {
          ctx.rounds.push({
            backend: ctx.backend.id,
            parallel: ctx.parallel,
            streams,
            repeat,
            wallMs: round(wallMs),
            completionTokens,
            aggregateTokensPerS: round(completionTokens / (wallMs / 1000)),
          });
        }
      }
    }
  });
}

/**
 * Two small requests before measuring, so that no scenario pays for first-use costs (the model's pages read
 * from disk, compute buffers allocated): one was not always enough here, for either server.
 */
export async function warmUp(server: RunningBackend, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (const round of [1, 2]) {
    const messages = [systemMessage(`warm up ${round}`), { role: "user" as const, content: benchText(`warm up ${round}`, 100) }];
    await streamChat(server.baseUrl, server.headers, { messages, maxTokens: 16 }, timeoutMs);
  }
  return performance.now() - started;
}

export type Send = (
  request: ChatRequest,
  labels: Partial<Sample>,
  previous?: { promptTokens: number; completionTokens: number },
) => Promise<StreamResult | undefined>;

/** Runs a scenario's loop with a `send` that records each reply, enforces the deadline and counts failures. */
export async function guarded(ctx: ScenarioContext, scenario: ScenarioId, mode: Mode | undefined, body: (send: Send) => Promise<void>): Promise<void> {
  const base = { backend: ctx.backend.id, scenario, parallel: ctx.parallel, ...(mode === undefined ? {} : { mode }) };
  let failures = 0;
  const send: Send = async (request, labels, previous) => {
    if (performance.now() > ctx.deadline) throw new ScenarioStopped("the run's time budget is spent");
    // llama-server has no stored sessions
    const { chatId, ...rest } = request;
    const sent = ctx.backend.hasChatId && chatId !== undefined ? request : rest;
    try {
      const result = await streamChat(ctx.server.baseUrl, ctx.server.headers, sent, ctx.profile.requestTimeoutMs);
      ctx.samples.push({ ...base, ...labels, ...measured(ctx.backend, result, previous) });
      return result;
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      ctx.samples.push({ ...base, ...labels, error: error.message });
      ctx.log(`  ${ctx.backend.label} ${scenario}: ${error.message}`);
      if (++failures >= maxFailures) throw new ScenarioStopped(`${failures} requests failed; the last: ${error.message}`);
      return undefined;
    }
  };
  try {
    await body(send);
  } catch (error) {
    if (!(error instanceof ScenarioStopped)) throw error;
    ctx.skipped.push({ ...base, reason: `stopped early: ${error.message}` });
    ctx.log(`  ${ctx.backend.label} ${scenario}: stopped early: ${error.message}`);
  }
}

function measured(backend: Backend, result: StreamResult, previous?: { promptTokens: number; completionTokens: number }): Partial<Sample> {
  const decodeMs = result.lastContentMs - result.ttftMs;
  return {
    ttftMs: round(result.ttftMs),
    totalMs: round(result.totalMs),
    promptTokens: result.promptTokens,
    cachedTokens: result.cachedTokens ?? null,
    promptEvaluated: backend.promptEvaluated(result),
    ...newTokens(result, previous),
    completionTokens: result.completionTokens,
    ...(result.completionTokens > 1 && decodeMs > 0 ? { genTokensPerS: round((result.completionTokens - 1) / (decodeMs / 1000)) } : {}),
    ...(result.serverTimings === undefined ? {} : { serverTimings: result.serverTimings }),
    ...(result.retried === undefined ? {} : { retried: result.retried }),
  };
}

/** A prompt shorter than the last one plus its reply means the server dropped old turns to fit: no count then. */
function newTokens(result: StreamResult, previous?: { promptTokens: number; completionTokens: number }): Partial<Sample> {
  const count = previous === undefined ? result.promptTokens : result.promptTokens - previous.promptTokens - previous.completionTokens;
  return count >= 0 ? { newTokens: count } : {};
}

export function systemMessage(tag: string): ChatMessage {
  // the tag comes first, so two prompts share at most the template's opening tokens
  return { role: "system", content: `${benchText(tag, 6)} You are a helpful assistant.` };
}

const round = (value: number) => Math.round(value * 10) / 10;
