import { chatCompletionRequestSchema } from "./chatCompletionRequestSchema.js";
import { chatIdSchema } from "./chatIdSchema.js";
import { chatRequestSchema, systemPromptRequestSchema, type SchemaLimits } from "./chatRequestSchema.js";

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
