import { randomBytes } from "node:crypto";
import type { Context } from "koa";
import type { ReplyFormat } from "../../chat/ReplyFormat.js";
import type { ReplyStream } from "../../chat/ReplyStream.js";
import type { GenerationResult } from "../../llm/Runner.js";
import type { ToolCall, ToolCallEvent } from "../../llm/tools/ToolCallParser.js";
import { llamaCppTimings } from "./llamaCppTimings.js";
import { SSE_DONE, sseEvent } from "./sse.js";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export const usage = (result: GenerationResult) => ({
  prompt_tokens: result.promptTokens,
  completion_tokens: result.generatedTokens,
  total_tokens: result.promptTokens + result.generatedTokens,
  prompt_tokens_details: { cached_tokens: result.cachedTokens },
});

/** OpenAI's finish reason: a reply that called tools ends with "tool_calls" unless max_tokens cut it. */
export const finishReason = (result: GenerationResult, calledTools = false) =>
  result.finishReason === "length" ? "length" : calledTools ? "tool_calls" : "stop";

const callId = () => `call_${randomBytes(12).toString("base64url")}`;

/** The whole reply as one `chat.completion`: text, or tool calls (with the text before them, if any). */
export async function respondWhole(ctx: Context, reply: ReplyStream, meta: CompletionMeta, format: ReplyFormat): Promise<void> {
  let text = "";
  for await (const chunk of reply) text += chunk;
  const result = await reply.result;
  const { content, calls } = format.parse(text);
  const message =
    calls.length === 0
      ? { role: "assistant", content: text }
      : { role: "assistant", content: content === "" ? null : content, tool_calls: calls.map((call) => toolCall(call, callId())) };
  ctx.body = {
    ...meta,
    object: "chat.completion",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(result, calls.length > 0) }],
    usage: usage(result),
    timings: llamaCppTimings(result),
  };
}

/**
 * The reply as `chat.completion.chunk` events: the role first, then text deltas, or tool-call deltas (a call's
 * index, id and name first, then its argument fragments), the finish reason last, usage when asked for.
 */
export async function* streamEvents(
  reply: ReplyStream,
  meta: CompletionMeta,
  format: ReplyFormat,
  includeUsage: boolean,
): AsyncGenerator<string, void, undefined> {
  const chunk = (delta: object, finish: string | null) => ({
    ...meta,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  yield sseEvent(chunk({ role: "assistant", content: "" }, null));
  const reader = format.callsTools ? format.reader() : undefined;
  const ids: string[] = [];
  const deltas = (events: readonly ToolCallEvent[]) => events.map((event) => sseEvent(chunk(delta(event, ids), null)));
  for await (const text of reply) {
    if (reader === undefined) yield sseEvent(chunk({ content: text }, null));
    else yield* deltas(reader.push(text));
  }
  const end = reader?.end();
  if (end !== undefined) yield* deltas(end.events);
  const result = await reply.result;
  yield sseEvent(chunk({}, finishReason(result, (end?.reply.calls.length ?? 0) > 0)));
  if (includeUsage) {
    yield sseEvent({ ...meta, object: "chat.completion.chunk", choices: [], usage: usage(result), timings: llamaCppTimings(result) });
  }
  yield SSE_DONE;
}

function delta(event: ToolCallEvent, ids: string[]): object {
  switch (event.type) {
    case "content":
      return { content: event.text };
    case "call":
      ids[event.index] = callId();
      return { tool_calls: [{ index: event.index, id: ids[event.index], type: "function", function: { name: event.name, arguments: "" } }] };
    case "arguments":
      return { tool_calls: [{ index: event.index, function: { arguments: event.text } }] };
    default:
      return event satisfies never;
  }
}

const toolCall = (call: ToolCall, id: string) => ({ id, type: "function", function: { name: call.name, arguments: call.arguments } });
