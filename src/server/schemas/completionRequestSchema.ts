import { z } from "zod";
import { settings } from "../../config/settings.js";
import { UNSUPPORTED_COMPLETION_FIELDS } from "../openai/unsupportedFields.js";
import { samplingFields, tokenLimit } from "./samplingFields.js";

/** OpenAI's (legacy) completion request: a raw prompt, no chat template. */
export function completionRequestSchema(limits: { maxTokensLimit: number; maxMessageChars: number }) {
  const prompt = z.string().max(limits.maxMessageChars, `must be at most ${limits.maxMessageChars} characters (${settings.maxMessageChars.name})`);
  return z.looseObject({
    model: z.string().optional().describe("Ignored: the server serves one model."),
    prompt: z.union([prompt, z.array(prompt).length(1, "must hold exactly one prompt")]).describe("The prompt, or an array of one."),
    max_tokens: tokenLimit(limits.maxTokensLimit).describe("Longest completion in tokens."),
    ...samplingFields,
    user: z.string().optional(),
    ...Object.fromEntries(
      UNSUPPORTED_COMPLETION_FIELDS.map(({ field, feature, accepted }) => [field, z.unknown().optional().describe(`Not supported: ${feature} (${accepted} is accepted).`)]),
    ),
  });
}

export type CompletionRequestBody = z.infer<ReturnType<typeof completionRequestSchema>>;
