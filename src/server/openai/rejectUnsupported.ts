import { DomainError } from "../../errors/DomainError.js";
import type { ChatCompletionMessage, ChatCompletionRequest } from "../schemas/chatCompletionRequestSchema.js";
import { refuseUnsupported, UNSUPPORTED_FIELDS } from "./unsupportedFields.js";

/** A message this server can render: everything but the legacy `function` role. */
export type SupportedMessage = ChatCompletionMessage & { role: "system" | "developer" | "user" | "assistant" | "tool" };

/**
 * Refuses, naming the field, anything the request asks for that this server cannot do; returns its messages
 * as the ones it can render.
 */
export function rejectUnsupported(body: ChatCompletionRequest): SupportedMessage[] {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw new DomainError("invalid_request", "Only n=1 is supported.", { param: "n" });
  }
  refuseUnsupported(body, UNSUPPORTED_FIELDS);
  return body.messages.map((message, index) => {
    if (message.role === "function") {
      throw new DomainError("invalid_request", "The legacy `function` role is not supported; send `tool` messages.", {
        param: `messages[${index}].role`,
      });
    }
    return { ...message, role: message.role };
  });
}
