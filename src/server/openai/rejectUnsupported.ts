import { DomainError } from "../../errors/DomainError.js";
import type { ChatCompletionMessage, ChatCompletionRequest } from "../schemas/chatCompletionRequestSchema.js";
import { hasToolCalls, UNSUPPORTED_FIELDS } from "./unsupportedFields.js";

/** A message this server can render: no tool or function results, no tool calls. */
export type SupportedMessage = ChatCompletionMessage & { role: "system" | "developer" | "user" | "assistant" };

/**
 * Refuses, naming the field, anything the request asks for that this server cannot do; returns its messages
 * as the ones it can render.
 */
export function rejectUnsupported(body: ChatCompletionRequest): SupportedMessage[] {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw new DomainError("invalid_request", "Only n=1 is supported.", { param: "n" });
  }
  for (const { field, accepts, message } of UNSUPPORTED_FIELDS) {
    if (!accepts((body as Record<string, unknown>)[field])) throw new DomainError("invalid_request", message, { param: field });
  }
  return body.messages.map((message, index) => {
    if (message.role === "tool" || message.role === "function") {
      throw new DomainError("invalid_request", "Tool and function messages are not supported.", { param: `messages[${index}].role` });
    }
    if (hasToolCalls(message)) {
      throw new DomainError("invalid_request", "Tool calls are not supported.", { param: `messages[${index}].tool_calls` });
    }
    return { ...message, role: message.role };
  });
}
