import { z } from "zod";
import { settings } from "../../config/settings.js";

/** A token limit up to LLAMA_MAX_TOKENS_LIMIT. */
export const tokenLimit = (limit: number) =>
  z.int().min(1).max(limit, `must be at most ${limit} (${settings.maxTokensLimit.name})`).nullable().optional();

/** The sampling and streaming fields OpenAI's chat and legacy completion requests share. */
export const samplingFields = {
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.int().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional().describe("Up to 4 stop strings."),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  ignore_eos: z.boolean().optional().describe("llama.cpp extension: keep generating past end-of-generation tokens."),
};

/** A request's sampling fields as the chat core takes them. */
export function samplingOptions(body: {
  temperature?: number | null | undefined;
  top_p?: number | null | undefined;
  seed?: number | null | undefined;
  stop?: string | string[] | null | undefined;
  ignore_eos?: boolean | undefined;
}) {
  return {
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    // OpenAI seeds may be any integer; llama.cpp takes an unsigned 32-bit one.
    seed: body.seed === undefined || body.seed === null ? undefined : body.seed >>> 0,
    stop: body.stop === undefined || body.stop === null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop,
    ignoreEos: body.ignore_eos,
  };
}
