import { z } from "zod";
import { UNSUPPORTED_FIELDS } from "../openai/unsupportedFields.js";
import { chatIdSchema } from "./chatIdSchema.js";
import { samplingFields, tokenLimit } from "./samplingFields.js";
import { responseFormatSchema, toolCallSchema, toolChoiceSchema, toolSchema } from "./toolSchemas.js";

const textPart = z.object({ type: z.literal("text"), text: z.string() });

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(textPart)]).nullable().optional().describe("Text, or an array of text parts."),
  name: z.string().optional(),
  tool_calls: z.array(toolCallSchema).nullable().optional().describe("An assistant message's tool calls."),
  tool_call_id: z.string().optional().describe("A tool message: the call it answers."),
});


/** Documentation-only entries for the fields the server refuses unless they ask for nothing. */
const unsupported = Object.fromEntries(
  UNSUPPORTED_FIELDS.map(({ field, feature, accepted }) => [
    field,
    z.unknown().optional().describe(`Not supported: ${feature} (${accepted} is accepted).`),
  ]),
);

/**
 * OpenAI's chat completion request, as far as this server implements it. Unknown fields are ignored, as
 * OpenAI-compatible servers do; known ones it cannot honour are refused by name (see rejectUnsupported).
 */
export function chatCompletionRequestSchema(limits: { maxTokensLimit: number }) {
  return z.looseObject({
    model: z.string().optional().describe("Ignored: the server serves one model (see GET /v1/models)."),
    messages: z.array(message).min(1, "must hold at least one message"),
    max_tokens: tokenLimit(limits.maxTokensLimit).describe("Longest reply in tokens."),
    max_completion_tokens: tokenLimit(limits.maxTokensLimit).describe("Longest reply in tokens; wins over max_tokens."),
    ...samplingFields,
    n: z.int().nullable().optional().describe("Only 1 is supported."),
    chat_id: chatIdSchema
      .optional()
      .describe("Extension: continue this stored chat session (also the X-Chat-Id header); messages then carry only the new turn."),
    tools: z.array(toolSchema).nullable().optional().describe("Functions the model may call (stateless requests only)."),
    tool_choice: toolChoiceSchema.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional().describe("Several calls in one reply, where the model's syntax has them (default true)."),
    response_format: responseFormatSchema.nullable().optional(),
    user: z.string().optional(),
    ...unsupported,
  });
}

export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequestSchema>>;
export type ChatCompletionMessage = z.infer<typeof message>;
