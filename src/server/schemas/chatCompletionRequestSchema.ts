import { z } from "zod";
import { settings } from "../../config/settings.js";
import { UNSUPPORTED_FIELDS } from "../openai/unsupportedFields.js";
import { chatIdSchema } from "./chatIdSchema.js";

const textPart = z.object({ type: z.literal("text"), text: z.string() });

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(textPart)]).nullable().describe("Text, or an array of text parts."),
  name: z.string().optional(),
});

const tokenLimit = (limit: number) =>
  z.int().min(1).max(limit, `must be at most ${limit} (${settings.maxTokensLimit.name})`).nullable().optional();

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
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().gt(0).max(1).nullable().optional(),
    seed: z.int().nullable().optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional().describe("Up to 4 stop strings."),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    n: z.int().nullable().optional().describe("Only 1 is supported."),
    ignore_eos: z.boolean().optional().describe("llama.cpp extension: keep generating past end-of-generation tokens."),
    chat_id: chatIdSchema
      .optional()
      .describe("Extension: continue this stored chat session (also the X-Chat-Id header); messages then carry only the new turn."),
    user: z.string().optional(),
    ...unsupported,
  });
}

export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequestSchema>>;
export type ChatCompletionMessage = z.infer<typeof message>;
