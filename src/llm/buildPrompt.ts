import type { ChatHistoryItem, Token } from "node-llama-cpp";
import { DomainError } from "../errors/DomainError.js";
import type { Session, Turn } from "../sessions/Session.js";
import { replyMarker, splitAtReplyMarkers, type KnownReply, type Prompt } from "./Prompt.js";
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
    const prompt = render(runner, sessionItems(session, start, message), storedTokens(runner, session.history.slice(start)));
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

/**
 * Renders a whole conversation sent by the client (OpenAI-style, stateless): nothing is left out, so a
 * conversation that does not fit is a 400, as OpenAI answers it. `recall` gives the generated tokens of a
 * resent assistant message that this server produced (given the messages it answered), so that it matches the
 * cache built when generating it.
 */
export function buildConversationPrompt(
  runner: PromptRunner,
  messages: readonly ChatHistoryItem[],
  maxTokens: number,
  recall: (context: readonly ChatHistoryItem[], reply: string) => readonly Token[] | undefined = () => undefined,
): BuiltPrompt {
  // One entry per model item, in order, as render() expects.
  const replies = messages.flatMap((item, index) => {
    if (item.type !== "model") return [];
    const text = item.response.join("");
    const tokens = recall(messages.slice(0, index), text);
    return [tokens === undefined ? undefined : { text, tokens }];
  });
  const prompt = render(runner, [...messages, { type: "model", response: [] }], replies);
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
 * Renders chat items with the template; model replies with known tokens are rendered as markers and then cut
 * out as token segments. `known[i]` belongs to the i-th model item.
 */
function render(runner: PromptRunner, items: readonly ChatHistoryItem[], known: ReadonlyArray<KnownReply | undefined>): Prompt {
  const replies: KnownReply[] = [];
  let modelIndex = 0;
  const marked = items.map((item): ChatHistoryItem => {
    if (item.type !== "model" || item.response.length === 0) return item;
    const reply = known[modelIndex++];
    if (reply === undefined) return item;
    replies.push(reply);
    return { type: "model", response: [replyMarker(replies.length - 1)] };
  });
  return splitAtReplyMarkers(runner.chatWrapper.generateContextState({ chatHistory: marked }).contextText, replies);
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
