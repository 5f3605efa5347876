import { chatCompletionRequestSchema } from "./chatCompletionRequestSchema.js";
import { chatIdSchema } from "./chatIdSchema.js";
import { completionRequestSchema } from "./completionRequestSchema.js";
import { embeddingRequestSchema } from "./embeddingRequestSchema.js";
import { chatRequestSchema, systemPromptRequestSchema, type SchemaLimits } from "./chatRequestSchema.js";

/** Every request schema, built once from the settings: routes validate with them, the OpenAPI document shows them. */
export function createRequestSchemas(limits: SchemaLimits) {
  return {
    chat: chatRequestSchema(limits),
    systemPrompt: systemPromptRequestSchema,
    chatId: chatIdSchema,
    chatCompletion: chatCompletionRequestSchema(limits),
    completion: completionRequestSchema(limits),
    embedding: embeddingRequestSchema,
  };
}

export type RequestSchemas = ReturnType<typeof createRequestSchemas>;
