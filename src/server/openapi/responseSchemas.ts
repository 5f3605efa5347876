import { z } from "zod";
import { INTERRUPT_REASONS } from "../../sessions/Session.js";

/** Response shapes, for the OpenAPI document only (responses are built by the routes, not parsed). */
export const detailSchema = z.object({ detail: z.string() }).describe("A confirmation, or an error on the seed API's routes.");

export const chatListSchema = z.object({ chat_ids: z.array(z.string()) });

export const historySchema = z.object({
  system_prompt: z.string().nullable(),
  history: z.array(
    z.object({
      user: z.string(),
      assistant: z.string(),
      interrupted: z
        .enum(INTERRUPT_REASONS)
        .optional()
        .describe("Present when the reply ended early; `assistant` holds the text produced until then."),
    }),
  ),
});

export const healthSchema = z.object({
  status: z.enum(["ok", "loading", "failed"]),
  model: z.string().describe("The model's file name."),
  runner: z.string().optional(),
  warning: z.string().optional(),
});

export const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

export const modelSchema = z.object({ id: z.string(), object: z.literal("model"), created: z.int(), owned_by: z.string() });

export const modelListSchema = z.object({ object: z.literal("list"), data: z.array(modelSchema) });

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string().describe("JSON text that validates against the tool's parameters.") }),
});

const toolCallDeltaSchema = z.object({
  index: z.int(),
  id: z.string().optional().describe("In the call's first delta, with the name."),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().describe("A fragment of the arguments' JSON text.") }),
});

const finishReasonSchema = z.enum(["stop", "length", "tool_calls"]);

const usageSchema = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
  prompt_tokens_details: z.object({ cached_tokens: z.int() }),
});

const timingsSchema = z
  .object({
    cache_n: z.int(),
    prompt_n: z.int(),
    prompt_ms: z.number().optional(),
    prompt_per_second: z.number().optional(),
    predicted_n: z.int(),
    predicted_ms: z.number(),
    predicted_per_second: z.number().optional(),
  })
  .describe(
    "llama.cpp's extension, measured by the server: prompt_ms runs to the first generated token, predicted_ms from it " +
      "to the last, predicted_per_second counts the tokens after the first.",
  );

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.int(),
      message: z.object({
        role: z.literal("assistant"),
        content: z.string().nullable().describe("The reply; with tool calls, the text before them (null when none)."),
        tool_calls: z.array(toolCallSchema).optional(),
      }),
      logprobs: z.null(),
      finish_reason: finishReasonSchema,
    }),
  ),
  usage: usageSchema,
  timings: timingsSchema,
});

export const chatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.int(),
        delta: z.object({
          role: z.literal("assistant").optional(),
          content: z.string().optional(),
          tool_calls: z.array(toolCallDeltaSchema).optional(),
        }),
        logprobs: z.null(),
        finish_reason: finishReasonSchema.nullable(),
      }),
    ),
    usage: usageSchema.nullable().optional(),
    timings: timingsSchema.optional().describe("With the usage chunk."),
  })
  .describe("One Server-Sent Event `data:` line; the stream ends with `data: [DONE]`.");

const textChoice = z.object({ index: z.int(), text: z.string(), logprobs: z.null(), finish_reason: z.enum(["stop", "length"]).nullable() });

export const completionSchema = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.int(),
  model: z.string(),
  choices: z.array(textChoice),
  usage: usageSchema,
});

export const completionChunkSchema = completionSchema
  .extend({ usage: usageSchema.nullable().optional() })
  .describe("One Server-Sent Event `data:` line of /v1/completions; the stream ends with `data: [DONE]`.");

export const embeddingListSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      object: z.literal("embedding"),
      index: z.int(),
      embedding: z.union([z.array(z.number()), z.string()]).describe("Unit length; base64 of little-endian float32s with encoding_format base64."),
    }),
  ),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.int(), total_tokens: z.int() }),
});
