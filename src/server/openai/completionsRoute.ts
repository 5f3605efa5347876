import { randomUUID } from "node:crypto";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { CompletionService } from "../../chat/CompletionService.js";
import type { ReplyStream } from "../../chat/ReplyStream.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import { startReply, streamBody } from "../routes/startReply.js";
import type { CompletionRequestBody, completionRequestSchema } from "../schemas/completionRequestSchema.js";
import { samplingOptions } from "../schemas/samplingFields.js";
import { validate } from "../validate.js";
import { finishReason, usage, type CompletionMeta } from "./chatCompletionResponse.js";
import { llamaCppTimings } from "./llamaCppTimings.js";
import { SSE_DONE, sseEvent } from "./sse.js";
import { refuseUnsupported, UNSUPPORTED_COMPLETION_FIELDS } from "./unsupportedFields.js";

export interface CompletionsRouteDeps {
  completions: CompletionService;
  rateLimit: ChatRateLimit;
  schema: ReturnType<typeof completionRequestSchema>;
  model: () => string;
}

/** POST /v1/completions: a raw prompt completed as it is (no chat template), whole or as `text_completion` events. */
export function completionsRoute(router: Router, deps: CompletionsRouteDeps): void {
  router.post("/v1/completions", async (ctx) => {
    const body = validate(deps.schema, ctx.request.body);
    refuseUnsupported(body, UNSUPPORTED_COMPLETION_FIELDS);
    const prompt = typeof body.prompt === "string" ? body.prompt : body.prompt[0]!;
    const reply = await startReply(ctx, deps.rateLimit, (context) =>
      deps.completions.startRawCompletion({
        ...context,
        prompt,
        ...samplingOptions(body),
        maxTokens: body.max_tokens ?? undefined,
      }),
    );
    const meta = { id: `cmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: deps.model() };
    if (body.stream === true) streamBody(ctx, "text/event-stream", completionEvents(reply, meta, body));
    else await respondWhole(ctx, reply, meta);
  });
}

async function respondWhole(ctx: Context, reply: ReplyStream, meta: CompletionMeta): Promise<void> {
  let text = "";
  for await (const chunk of reply) text += chunk;
  const result = await reply.result;
  ctx.body = {
    ...meta,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason(result) }],
    usage: usage(result),
    timings: llamaCppTimings(result),
  };
}

async function* completionEvents(reply: ReplyStream, meta: CompletionMeta, body: CompletionRequestBody): AsyncGenerator<string, void, undefined> {
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (text: string, finish: string | null) => ({
    ...meta,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  for await (const text of reply) yield sseEvent(chunk(text, null));
  const result = await reply.result;
  yield sseEvent(chunk("", finishReason(result)));
  if (includeUsage) yield sseEvent({ ...meta, object: "text_completion", choices: [], usage: usage(result), timings: llamaCppTimings(result) });
  yield SSE_DONE;
}
