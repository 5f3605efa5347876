import type { ChatHistoryItem, LlamaText } from "node-llama-cpp";
import { BadRequestError } from "../server/httpErrors.js";
import type { Session } from "../sessions/Session.js";
import type { Runner } from "./Runner.js";

export interface BuiltPrompt {
  prompt: LlamaText;
  /** Tokens in the prompt (an upper bound for runners without a tokenizer). */
  promptTokens: number;
  /** Oldest turn included; store it back so that the next turn starts from the same window. */
  windowStart: number;
}

/**
 * Renders a session plus a new user message with the model's chat template, leaving out the oldest turns
 * when prompt and reply would not fit the context. The cut moves in large steps (down to half the room left),
 * so the prompt's prefix, and with it any cached evaluation, stays the same for many turns after a cut.
 */
export function buildPrompt(
  runner: Pick<Runner, "chatWrapper" | "countTokens" | "contextSize">,
  session: Session,
  message: string,
  maxTokens: number,
): BuiltPrompt {
  const budget = runner.contextSize - maxTokens;
  const history = session.history;
  const render = (start: number): LlamaText =>
    runner.chatWrapper.generateContextState({ chatHistory: toChatHistory(session, start, message) }).contextText;
  const measure = (start: number) => {
    const prompt = render(start);
    return { prompt, promptTokens: runner.countTokens(prompt), windowStart: start };
  };

  const start = Math.min(Math.max(session.windowStart ?? 0, 0), history.length);
  const current = measure(start);
  if (current.promptTokens <= budget) return current;

  const bare = measure(history.length);
  if (bare.promptTokens > budget) {
    throw new BadRequestError(
      `The system prompt and message need ${bare.promptTokens} tokens, but only ${Math.max(budget, 0)} of the ` +
        `${runner.contextSize}-token context are left after max_tokens (${maxTokens}). Shorten them or ask for fewer tokens.`,
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
 * conversation that does not fit is a 400, as OpenAI answers it.
 */
export function buildConversationPrompt(
  runner: Pick<Runner, "chatWrapper" | "countTokens" | "contextSize">,
  messages: readonly ChatHistoryItem[],
  maxTokens: number,
): BuiltPrompt {
  const prompt = runner.chatWrapper.generateContextState({
    chatHistory: [...messages, { type: "model", response: [] }],
  }).contextText;
  const promptTokens = runner.countTokens(prompt);
  const budget = runner.contextSize - maxTokens;
  if (promptTokens > budget) {
    throw new BadRequestError(
      `The messages need ${promptTokens} tokens, but only ${Math.max(budget, 0)} of the ${runner.contextSize}-token ` +
        `context are left after max_tokens (${maxTokens}). Send fewer messages or ask for fewer tokens.`,
      "messages",
    );
  }
  return { prompt, promptTokens, windowStart: 0 };
}

function toChatHistory(session: Session, start: number, message: string): ChatHistoryItem[] {
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
