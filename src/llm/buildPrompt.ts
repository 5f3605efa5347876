import { LlamaText, type ChatHistoryItem, type ChatModelFunctions, type Token } from "node-llama-cpp";
import { DomainError } from "../errors/DomainError.js";
import type { Session, Turn } from "../sessions/Session.js";
import { responseParts, type ResponseEntry } from "./responseParts.js";
import { replyEnd, replyMarker, replyStart, splitAtReplyMarkers, type KnownReply, type Prompt } from "./Prompt.js";
import type { Runner } from "./Runner.js";

export interface BuiltPrompt {
  prompt: Prompt;
  /** Tokens in the prompt (an upper bound for runners without a tokenizer). */
  promptTokens: number;
  /** Oldest turn included; store it back so that the next turn starts from the same window. */
  windowStart: number;
}

type PromptRunner = Pick<Runner, "chatWrapper" | "countTokens" | "contextSize" | "modelFingerprint">;

/**
 * Renders a session plus a new user message with the model's chat template, leaving out the oldest turns
 * when prompt and reply would not fit the context. The cut moves in large steps (down to half the room left),
 * so the prompt's prefix, and with it any cached evaluation, stays the same for many turns after a cut.
 * Replies stored with the tokens they were generated as (by this model) enter the prompt as those tokens.
 */
export function buildPrompt(runner: PromptRunner, session: Session, message: string, maxTokens: number): BuiltPrompt {
  const budget = runner.contextSize - maxTokens;
  const history = session.history;
  const measure = (start: number) => {
    const known = storedTokens(runner, session.history.slice(start)).map((reply) => [reply]);
    const prompt = render(runner, sessionItems(session, start, message), known);
    return { prompt, promptTokens: runner.countTokens(prompt), windowStart: start };
  };

  const start = Math.min(Math.max(session.windowStart ?? 0, 0), history.length);
  const current = measure(start);
  if (current.promptTokens <= budget) return current;

  const bare = measure(history.length);
  if (bare.promptTokens > budget) {
    throw new DomainError(
      "prompt_too_long",
      `The system prompt and message need ${bare.promptTokens} tokens, but only ${Math.max(budget, 0)} of the ` +
        `${runner.contextSize}-token context are left after max_tokens (${maxTokens}). Shorten them or ask for fewer tokens.`,
      { param: "message" },
    );
  }
  // Smallest window start whose prompt takes at most half the budget (fewer turns never take more tokens).
  const target = Math.max(Math.floor(budget / 2), bare.promptTokens);
  let low = start + 1;
  let high = history.length;
  let best = bare;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const candidate = measure(middle);
    if (candidate.promptTokens <= target) {
      best = candidate;
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return best.windowStart === low ? best : measure(low);
}

/** A reply the server generated lately: the tokens of one part of a model response, given what came before it. */
export type RecallReply = (context: readonly ChatHistoryItem[], part: readonly ResponseEntry[]) => KnownReply | undefined;

/**
 * Renders a whole conversation sent by the client (OpenAI-style, stateless): nothing is left out, so a
 * conversation that does not fit is a 400, as OpenAI answers it. A conversation that ends with a model item
 * (tool results) continues that response; otherwise a new one starts. `recall` gives the generated tokens of a
 * resent assistant message (its text and tool calls) that this server produced, so that it matches the cache
 * built when generating it; `functions` are the tools offered, documented by the chat template.
 */
export function buildConversationPrompt(
  runner: PromptRunner,
  messages: readonly ChatHistoryItem[],
  maxTokens: number,
  recall: RecallReply = () => undefined,
  functions?: ChatModelFunctions,
): BuiltPrompt {
  const parallelCalls = runner.chatWrapper.settings.functions.parallelism !== undefined;
  const known = messages.flatMap((item, index) => {
    if (item.type !== "model") return [];
    return [
      responseParts(item.response).map(({ start, end }) => {
        const part = item.response.slice(start, end);
        // Without a parallel-call syntax the template puts each call's result right after it: only a reply with
        // at most one call is one region of the rendering.
        if (!parallelCalls && part.filter((entry) => typeof entry !== "string").length > 1) return undefined;
        const before = start === 0 ? messages.slice(0, index) : [...messages.slice(0, index), { type: "model" as const, response: item.response.slice(0, start) }];
        return recall(before, part);
      }),
    ];
  });
  const items = messages.at(-1)?.type === "model" ? messages : [...messages, { type: "model" as const, response: [] }];
  const prompt = render(runner, items, known, functions);
  const promptTokens = runner.countTokens(prompt);
  const budget = runner.contextSize - maxTokens;
  if (promptTokens > budget) {
    throw new DomainError(
      "prompt_too_long",
      `The messages need ${promptTokens} tokens, but only ${Math.max(budget, 0)} of the ${runner.contextSize}-token ` +
        `context are left after max_tokens (${maxTokens}). Send fewer messages or ask for fewer tokens.`,
      { param: "messages" },
    );
  }
  return { prompt, promptTokens, windowStart: 0 };
}

/**
 * Renders chat items with the template; parts of model responses with known tokens are marked and then cut
 * out as token segments. `known[i][j]` belongs to the j-th part (see responseParts) of the i-th model item.
 */
function render(
  runner: PromptRunner,
  items: readonly ChatHistoryItem[],
  known: ReadonlyArray<ReadonlyArray<KnownReply | undefined>>,
  functions?: ChatModelFunctions,
): Prompt {
  const replies: KnownReply[] = [];
  let modelIndex = 0;
  const marked = items.map((item): ChatHistoryItem => {
    if (item.type !== "model") return item;
    const parts = known[modelIndex++] ?? [];
    const response = responseParts(item.response).flatMap(({ start, end }, partIndex) => {
      const part = item.response.slice(start, end);
      const reply = parts[partIndex];
      if (reply === undefined) return part;
      replies.push(reply);
      return markPart(part, replies.length - 1);
    });
    return { type: "model", response };
  });
  const state = runner.chatWrapper.generateContextState({ chatHistory: marked, ...(functions === undefined ? {} : { availableFunctions: functions }) });
  return splitAtReplyMarkers(state.contextText, replies);
}

/**
 * A part whose rendering, from the start of its text to the end of its last call, is replaced by the tokens it
 * was generated as: its text opens the region and its last call's raw form closes it (the template still
 * writes what follows the calls, such as their results, itself).
 */
function markPart(part: readonly ResponseEntry[], index: number): ResponseEntry[] {
  const calls = part.filter((entry) => typeof entry !== "string");
  const text = part.filter((entry): entry is string => typeof entry === "string").join("");
  if (calls.length === 0) return [replyMarker(index)];
  return [
    replyStart(index) + text,
    ...calls.map((call, position) =>
      call.type === "functionCall" ? { ...call, rawCall: LlamaText(position === calls.length - 1 ? replyEnd(index) : "").toJSON() } : call,
    ),
  ];
}

function storedTokens(runner: PromptRunner, turns: readonly Turn[]): Array<KnownReply | undefined> {
  return turns.map((turn) =>
    turn.tokens !== undefined && turn.tokens.model === runner.modelFingerprint
      ? { text: turn.assistant, tokens: turn.tokens.ids as Token[] }
      : undefined,
  );
}

function sessionItems(session: Session, start: number, message: string): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = [];
  // No system message unless the chat has one: the template adds its own default where it has one.
  if (session.system_prompt !== null && session.system_prompt !== "") {
    items.push({ type: "system", text: session.system_prompt });
  }
  for (const turn of session.history.slice(start)) {
    items.push({ type: "user", text: turn.user }, { type: "model", response: [turn.assistant] });
  }
  items.push({ type: "user", text: message }, { type: "model", response: [] });
  return items;
}
