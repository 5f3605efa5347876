import { z } from "zod";
import { settings } from "../../config/settings.js";
import { chatIdSchema } from "./chatIdSchema.js";

/** Limits that depend on settings: applied by the factory, so that the schema (and the OpenAPI document) shows them. */
export interface SchemaLimits {
  maxTokensLimit: number;
  maxMessageChars: number;
}

/** POST /chat. */
export function chatRequestSchema(limits: SchemaLimits) {
  return z.object({
    message: z
      .string()
      .min(1, "must not be empty")
      .max(limits.maxMessageChars, `must be at most ${limits.maxMessageChars} characters (${settings.maxMessageChars.name})`)
      .describe("The user's message."),
    chat_id: chatIdSchema.default("default"),
    max_tokens: z
      .int()
      .min(1)
      .max(limits.maxTokensLimit, `must be at most ${limits.maxTokensLimit} (${settings.maxTokensLimit.name})`)
      .optional()
      .describe(`Longest reply in tokens; defaults to ${settings.maxTokens.name}.`),
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature, 0-2."),
    seed: z.int().min(0).max(2 ** 32 - 1).optional().describe("Sampling seed, for reproducible replies."),
  });
}

/** POST /history/{chat_id}/system_prompt. */
export const systemPromptRequestSchema = z.object({
  system_prompt: z.string().nullable().describe("The new system prompt; null clears it."),
});
