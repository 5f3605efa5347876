import { z } from "zod";

export const CHAT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const chatIdSchema = z
  .string()
  .regex(CHAT_ID_PATTERN, "must match ^[A-Za-z0-9_-]{1,128}$")
  .describe("Chat session id: 1-128 letters, digits, '_' or '-'.");

export const chatIdParamsSchema = z.object({ chat_id: chatIdSchema });

/** GET /chats: optional paging, in chat id order. */
export const chatListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).optional().describe("At most this many ids; a full page adds `next_after`."),
  after: chatIdSchema.optional().describe("Only ids after this one (the previous page's `next_after`)."),
});
