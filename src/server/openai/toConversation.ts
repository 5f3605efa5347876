import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import { DomainError } from "../../errors/DomainError.js";
import type { SupportedMessage } from "./rejectUnsupported.js";

const textOf = (message: SupportedMessage): string =>
  typeof message.content === "string" ? message.content : (message.content ?? []).map((part) => part.text).join("\n");

/**
 * A stateless request: the whole conversation, which ends with the user's turn or with tool results (the model
 * then goes on with the response those results belong to). Assistant messages and the tool results after them
 * form one model response, as node-llama-cpp's chat wrappers render function calling: each assistant message
 * one part (its text, then its calls with their results), so the template writes them in the model's own syntax.
 */
export function toConversation(messages: readonly SupportedMessage[]): ChatHistoryItem[] {
  const last = messages.at(-1);
  if (last?.role !== "user" && last?.role !== "tool") {
    throw new DomainError("invalid_request", "The last message must have the role 'user' or 'tool'.", { param: "messages" });
  }
  const items: ChatHistoryItem[] = [];
  // Calls waiting for their result, by tool_call_id, and the message that made them.
  let pending = new Map<string, { call: ChatModelFunctionCall; message: number }>();
  const settle = (index: number) => {
    const open = [...pending.values()][0];
    if (open !== undefined) {
      throw new DomainError("invalid_request", `An assistant message with tool_calls must be followed by a tool message for each call before message ${index}.`, {
        param: `messages[${open.message}].tool_calls`,
      });
    }
  };
  messages.forEach((message, index) => {
    switch (message.role) {
      case "system":
      case "developer":
        settle(index);
        items.push({ type: "system", text: textOf(message) });
        return;
      case "user":
        settle(index);
        items.push({ type: "user", text: textOf(message) });
        return;
      case "assistant": {
        settle(index);
        const previous = items.at(-1);
        const response: ChatModelResponse["response"] = previous?.type === "model" ? previous.response : [];
        if (previous?.type !== "model") items.push({ type: "model", response });
        const text = textOf(message);
        if (text !== "") response.push(text);
        pending = new Map();
        (message.tool_calls ?? []).forEach((toolCall, position) => {
          const call: ChatModelFunctionCall = {
            type: "functionCall",
            name: toolCall.function.name,
            params: parseArguments(toolCall.function.arguments, `messages[${index}].tool_calls[${position}].function.arguments`),
            result: undefined,
            ...(position === 0 ? { startsNewChunk: true } : {}),
          };
          response.push(call);
          pending.set(toolCall.id, { call, message: index });
        });
        return;
      }
      case "tool": {
        const id = message.tool_call_id;
        const waiting = id === undefined ? undefined : pending.get(id);
        if (waiting === undefined) {
          throw new DomainError("invalid_request", "A tool message must answer a call of the assistant message before it, by its tool_call_id.", {
            param: `messages[${index}].tool_call_id`,
          });
        }
        waiting.call.result = resultOf(textOf(message));
        pending.delete(id!);
        return;
      }
      default:
        return message.role satisfies never;
    }
  });
  settle(messages.length);
  return items;
}

/**
 * A request that continues a stored chat: `messages` carries only the new turn, one user message, optionally
 * after a system message that replaces the session's system prompt.
 */
export function toNewTurn(messages: readonly SupportedMessage[]): { message: string; systemPrompt?: string } {
  const users = messages.filter((message) => message.role === "user");
  const systems = messages.filter((message) => message.role === "system" || message.role === "developer");
  if (users.length !== 1 || messages.at(-1)?.role !== "user" || users.length + systems.length !== messages.length || systems.length > 1) {
    throw new DomainError(
      "invalid_request",
      "With chat_id, messages carries only the new turn: one user message, optionally after one system message (the stored session supplies the history).",
      { param: "messages" },
    );
  }
  const system = systems[0];
  return { message: textOf(users[0]!), ...(system === undefined ? {} : { systemPrompt: textOf(system) }) };
}

function parseArguments(text: string, param: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError("invalid_request", "Tool call arguments must be JSON text.", { param });
  }
}

/** A tool's result as the template writes it: JSON as JSON, other text as a string. */
function resultOf(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}
