import { z } from "zod";

export const CHAT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const chatIdSchema = z
  .string()
  .regex(CHAT_ID_PATTERN, "must match ^[A-Za-z0-9_-]{1,128}$")
  .describe("Chat session id: 1-128 letters, digits, '_' or '-'.");

export const chatIdParamsSchema = z.object({ chat_id: chatIdSchema });
