import type { ChatHistoryItem } from "node-llama-cpp";
import { DomainError } from "../../errors/DomainError.js";
import type { SupportedMessage } from "./rejectUnsupported.js";

const textOf = (message: SupportedMessage): string =>
  typeof message.content === "string" ? message.content : (message.content ?? []).map((part) => part.text).join("\n");

/** A stateless request: the whole conversation, which must end with the user's turn. */
export function toConversation(messages: readonly SupportedMessage[]): ChatHistoryItem[] {
  const last = messages.at(-1);
  if (last?.role !== "user") throw new DomainError("invalid_request", "The last message must have the role 'user'.", { param: "messages" });
  return messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case "system":
      case "developer":
        return { type: "system", text: textOf(message) };
      case "user":
        return { type: "user", text: textOf(message) };
      case "assistant":
        return { type: "model", response: [textOf(message)] };
      default:
        return message.role satisfies never;
    }
  });
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
