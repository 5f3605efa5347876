import { DomainError } from "../../errors/DomainError.js";
import { chatIdSchema } from "../schemas/chatIdSchema.js";
import { validate } from "../validate.js";

/**
 * The body's chat_id or the X-Chat-Id header (the one place that decides, for POST /chat and /v1); both,
 * differing, is a 400. A proxy routes a chat's turns to one replica by the header (docs/scale-out.md).
 */
export function resolveChatId(fromBody: string | undefined, fromHeader: string): string | undefined {
  const header = fromHeader === "" ? undefined : validate(chatIdSchema, fromHeader, "The X-Chat-Id header");
  if (fromBody !== undefined && header !== undefined && fromBody !== header) {
    throw new DomainError("invalid_request", "chat_id and the X-Chat-Id header name different chats.", { param: "chat_id" });
  }
  return fromBody ?? header;
}
