import { z } from "zod";
import { chatCompletionRequestSchema } from "./openai/chatCompletionSchema.js";

/**
 * Request schemas: the single source of truth for validation (and, later, for the OpenAPI document).
 * Limits that depend on settings are applied by a factory so the schema still describes them.
 */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const chatIdSchema = z
  .string()
  .regex(CHAT_ID_PATTERN, "must match ^[A-Za-z0-9_-]{1,128}$")
  .describe("Chat session id: 1-128 letters, digits, '_' or '-'.");

export interface SchemaLimits {
  maxTokensLimit: number;
  maxMessageChars: number;
}

export function chatRequestSchema(limits: SchemaLimits) {
  return z.object({
    message: z
      .string()
      .min(1, "must not be empty")
      .max(limits.maxMessageChars, `must be at most ${limits.maxMessageChars} characters (MAX_MESSAGE_CHARS)`)
      .describe("The user's message."),
    chat_id: chatIdSchema.default("default"),
    max_tokens: z
      .int()
      .min(1)
      .max(limits.maxTokensLimit, `must be at most ${limits.maxTokensLimit} (LLAMA_MAX_TOKENS_LIMIT)`)
      .optional()
      .describe("Longest reply in tokens; defaults to LLAMA_MAX_TOKENS."),
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature, 0-2."),
    seed: z.int().min(0).max(2 ** 32 - 1).optional().describe("Sampling seed, for reproducible replies."),
  });
}

export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;

export const systemPromptRequestSchema = z.object({
  system_prompt: z.string().nullable().describe("The new system prompt; null clears it."),
});

export const chatIdParamsSchema = z.object({ chat_id: chatIdSchema });

/** Every request schema, built once from the settings: routes validate with them, the OpenAPI document shows them. */
export function createRequestSchemas(limits: SchemaLimits) {
  return {
    chat: chatRequestSchema(limits),
    systemPrompt: systemPromptRequestSchema,
    chatId: chatIdSchema,
    chatCompletion: chatCompletionRequestSchema(limits),
  };
}

export type RequestSchemas = ReturnType<typeof createRequestSchemas>;
