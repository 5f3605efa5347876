import type { BackendId } from "./benchOptions.js";
import { benchText } from "./benchText.js";
import type { ScenarioContext } from "./scenarios.js";
import { median } from "./stats.js";
import { RequestFailed, streamChat } from "./streamChat.js";

/**
 * The agent scenarios (issue 13): structured output's cost in generation speed, and what each step of an
 * agent loop evaluates. Kept apart from the chat scenarios; their results go to `agents` in latest.json.
 */
export interface AgentResults {
  structured: StructuredSample[];
  agentLoop: AgentStep[];
}

export interface StructuredSample {
  backend: BackendId;
  repeat: number;
  /** With a json_schema response_format (a grammar while sampling), or the same request without one. */
  constrained: boolean;
  completionTokens?: number;
  genTokensPerS?: number;
  error?: string;
}

export interface AgentStep {
  backend: BackendId;
  step: number;
  promptTokens?: number;
  /** Prompt tokens the server evaluated (not from its cache). */
  evaluated?: number;
  /** What the step added after the previous reply: its tool result and the template around it. */
  newTokens?: number;
  completionTokens?: number;
  toolCalls?: number;
  error?: string;
}

export const emptyAgentResults = (): AgentResults => ({ structured: [], agentLoop: [] });

// Long enough that every reply runs to max_tokens: generation speed is measured over the same count both ways.
const LONG_SCHEMA = {
  type: "object",
  properties: { notes: { type: "array", items: { type: "string", minLength: 30, maxLength: 60 }, minItems: 64, maxItems: 64 } },
  required: ["notes"],
  additionalProperties: false,
};

/**
 * Generation tokens/s of one fresh prompt with and without a json_schema, alternating, `repeats` times each
 * (the single-prompt scenario's repeats and max_tokens).
 */
export async function structuredOutput(ctx: ScenarioContext, into: StructuredSample[]): Promise<void> {
  const { repeats, maxTokens } = ctx.profile.single;
  for (let repeat = 1; repeat <= repeats && performance.now() < ctx.deadline; repeat++) {
    for (const constrained of [false, true]) {
      const messages = [{ role: "user" as const, content: `${benchText(`structured-${repeat}-${constrained}`, 60)} Write notes.` }];
      const extra = constrained
        ? { ignore_eos: undefined, response_format: { type: "json_schema", json_schema: { name: "notes", schema: LONG_SCHEMA, strict: true } } }
        : {};
      try {
        const result = await streamChat(ctx.server.baseUrl, ctx.server.headers, { messages, maxTokens, extra }, ctx.profile.requestTimeoutMs);
        const seconds = (result.lastContentMs - result.ttftMs) / 1000;
        into.push({
          backend: ctx.backend.id,
          repeat,
          constrained,
          completionTokens: result.completionTokens,
          ...(seconds > 0 ? { genTokensPerS: (result.completionTokens - 1) / seconds } : {}),
        });
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        into.push({ backend: ctx.backend.id, repeat, constrained, error: error.message });
        return;
      }
    }
  }
}

const TOOLS = [
  {
    type: "function",
    function: {
      name: "search_notes",
      description: "Search the notes",
      parameters: {
        type: "object",
        properties: { query: { type: "string", maxLength: 24 }, limit: { type: "integer", minimum: 1, maximum: 9 } },
        required: ["query", "limit"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: { name: "read_note", parameters: { type: "object", properties: { id: { type: "integer", minimum: 1, maximum: 99 } }, required: ["id"] } },
  },
];

/**
 * A 5-step agent loop, stateless as agent frameworks run it: four steps that must call a tool (the whole
 * conversation resent each time, with the calls as they came back and a tool result for each), then a final
 * answer. Per step: prompt tokens, those the server evaluated, and the step's new tokens.
 */
export async function agentLoop(ctx: ScenarioContext, into: AgentStep[]): Promise<void> {
  const messages: unknown[] = [
    { role: "system", content: benchText("agent-system", 80) },
    { role: "user", content: `${benchText("agent-user", 60)} Find my notes.` },
  ];
  let previous: { promptTokens: number; completionTokens: number } | undefined;
  for (let step = 1; step <= 5 && performance.now() < ctx.deadline; step++) {
    const final = step === 5;
    const body = {
      messages,
      tools: TOOLS,
      tool_choice: final ? "none" : { type: "function", function: { name: step % 2 === 1 ? "search_notes" : "read_note" } },
      max_tokens: final ? 32 : 96,
      temperature: 0,
      ...(final ? { ignore_eos: true } : {}),
    };
    try {
      const reply = await postJson(ctx, body);
      const message = reply.choices?.[0]?.message;
      const calls = message?.tool_calls ?? [];
      if (!final && calls.length === 0) throw new RequestFailed(`step ${step} made no tool call: ${JSON.stringify(message).slice(0, 200)}`);
      const usage = reply.usage!;
      into.push({
        backend: ctx.backend.id,
        step,
        promptTokens: usage.prompt_tokens,
        evaluated: evaluatedTokens(reply),
        ...(previous === undefined ? {} : { newTokens: usage.prompt_tokens - previous.promptTokens - previous.completionTokens }),
        completionTokens: usage.completion_tokens,
        toolCalls: calls.length,
      });
      previous = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
      messages.push(message);
      for (const call of calls) messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify({ found: benchText(`agent-result-${step}`, 30) }) });
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      into.push({ backend: ctx.backend.id, step, error: error.message });
      return;
    }
  }
}

interface ChatReply {
  choices?: Array<{ message?: { tool_calls?: Array<{ id: string }> } }>;
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number | null } | null };
  timings?: { prompt_n?: number };
}

async function postJson(ctx: ScenarioContext, body: unknown): Promise<ChatReply> {
  const response = await fetch(`${ctx.server.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...ctx.server.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ctx.profile.requestTimeoutMs),
  }).catch((error: unknown) => {
    throw new RequestFailed(`request failed: ${String(error)}`);
  });
  const text = await response.text();
  if (response.status !== 200) throw new RequestFailed(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  const reply = JSON.parse(text) as ChatReply;
  if (reply.usage === undefined) throw new RequestFailed("no usage in the reply");
  return reply;
}

/** Ours: prompt less cached tokens; llama-server: its own count; the cli runner reports no cache, so all of them. */
function evaluatedTokens(reply: ChatReply): number {
  const usage = reply.usage!;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number") return usage.prompt_tokens - cached;
  return reply.timings?.prompt_n ?? usage.prompt_tokens;
}

/** The agent tables for latest.md. */
export function renderAgentTables(results: AgentResults, label: (id: BackendId) => string): string {
  const lines = ["## Structured output", "", "Generation tokens/s of the same fresh prompt, median over the repeats.", ""];
  lines.push("| backend | without a schema | with a json_schema | ratio (goal ≥ 0.9) |", "| --- | ---: | ---: | ---: |");
  for (const backend of unique(results.structured.map((sample) => sample.backend))) {
    const speed = (constrained: boolean) =>
      median(results.structured.filter((s) => s.backend === backend && s.constrained === constrained && s.genTokensPerS !== undefined).map((s) => s.genTokensPerS!));
    const error = results.structured.find((sample) => sample.backend === backend && sample.error !== undefined)?.error;
    const [free, constrained] = [speed(false), speed(true)];
    const ratio = free !== undefined && constrained !== undefined ? (constrained / free).toFixed(2) : error === undefined ? "—" : `not measured: ${error.slice(0, 80)}`;
    lines.push(`| ${label(backend)} | ${free?.toFixed(1) ?? "—"} | ${constrained?.toFixed(1) ?? "—"} | ${ratio} |`);
  }
  lines.push("", "## Agent loop", "", "A stateless 5-step loop: four forced tool calls, each answered by a tool result, then an answer.", "");
  lines.push("| backend | step | prompt tokens | evaluated | new tokens (tool result, template) | completion tokens |", "| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const step of results.agentLoop) {
    if (step.error !== undefined) lines.push(`| ${label(step.backend)} | ${step.step} | not measured: ${step.error.slice(0, 80).replaceAll("|", "/")} | | | |`);
    else lines.push(`| ${label(step.backend)} | ${step.step} | ${step.promptTokens} | ${step.evaluated} | ${step.newTokens ?? "—"} | ${step.completionTokens} |`);
  }
  return `${lines.join("\n")}\n`;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
