import { randomUUID } from "node:crypto";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { ChatService } from "../../chat/ChatService.js";
import type { ModelHost } from "../../chat/ModelHost.js";
import type { ReplyStream } from "../../chat/ReplyStream.js";
import type { Config } from "../../config/loadConfig.js";
import { DomainError } from "../../errors/DomainError.js";
import type { GenerationResult } from "../../llm/Runner.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import { ownerOf, startReply, streamBody } from "../routes/startReply.js";
import type { ChatCompletionRequest, chatCompletionRequestSchema } from "../schemas/chatCompletionRequestSchema.js";
import { chatIdSchema } from "../schemas/chatIdSchema.js";
import { validate } from "../validate.js";
import { rejectUnsupported } from "./rejectUnsupported.js";
import { SSE_DONE, sseEvent } from "./sse.js";
import { toConversation, toNewTurn } from "./toConversation.js";

export interface OpenAiRouteDeps {
  chats: ChatService;
  host: ModelHost;
  config: Config;
  rateLimit: ChatRateLimit;
  schema: ReturnType<typeof chatCompletionRequestSchema>;
  /** Seconds since the epoch when the server started: the model's `created`. */
  startedAt: number;
}

/** The model id clients see: LLAMA_MODEL_ALIAS, or the file name without `.gguf`. */
export function modelId(config: Config, host: ModelHost): string {
  return config.modelAlias ?? host.modelName.replace(/\.gguf$/i, "");
}

/** OpenAI-compatible endpoints on the same runner, sessions, limits and metrics as the seed API. */
export function openaiRoutes(router: Router, deps: OpenAiRouteDeps): void {
  const { chats, host, config, rateLimit, schema } = deps;

  router.get("/v1/models", (ctx) => {
    ctx.body = {
      object: "list",
      data: [{ id: modelId(config, host), object: "model", created: deps.startedAt, owned_by: "llama-api" }],
    };
  });

  router.post("/v1/chat/completions", async (ctx) => {
    const body = validate(schema, ctx.request.body);
    const messages = rejectUnsupported(body);
    const chatId = resolveChatId(body.chat_id, ctx.get("X-Chat-Id"));
    const facts = ctx.state["facts"] as RequestFacts;
    if (chatId !== undefined) facts.chatId = chatId;

    const options = {
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      // OpenAI seeds may be any integer; llama.cpp takes an unsigned 32-bit one.
      seed: body.seed === undefined || body.seed === null ? undefined : body.seed >>> 0,
      stop: body.stop === undefined || body.stop === null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop,
      ignoreEos: body.ignore_eos,
    };
    // Before anything is accepted: a malformed conversation never counts against the rate limit.
    const conversation = chatId === undefined ? toConversation(messages) : undefined;
    const turn = chatId === undefined ? undefined : toNewTurn(messages);
    const reply = await startReply(ctx, rateLimit, (context) =>
      conversation !== undefined
        ? chats.startCompletion({ ...options, ...context, messages: conversation })
        : chats.startTurn({ ...options, ...context, owner: ownerOf(ctx), chatId: chatId!, ...turn! }),
    );

    const meta = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: modelId(config, host) };
    if (body.stream === true) {
      streamBody(ctx, "text/event-stream", streamEvents(reply, meta, body));
    } else {
      await respondWhole(ctx, reply, meta);
    }
  });
}

/** The body's chat_id or the X-Chat-Id header (the one place that decides); both, differing, is a 400. */
function resolveChatId(fromBody: string | undefined, fromHeader: string): string | undefined {
  const header = fromHeader === "" ? undefined : validate(chatIdSchema, fromHeader);
  if (fromBody !== undefined && header !== undefined && fromBody !== header) {
    throw new DomainError("invalid_request", "chat_id and the X-Chat-Id header name different chats.", { param: "chat_id" });
  }
  return fromBody ?? header;
}

interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

const finishReason = (result: GenerationResult) => (result.finishReason === "length" ? "length" : "stop");

function usage(result: GenerationResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.generatedTokens,
    total_tokens: result.promptTokens + result.generatedTokens,
    prompt_tokens_details: { cached_tokens: result.cachedTokens },
  };
}

async function respondWhole(ctx: Context, reply: ReplyStream, meta: CompletionMeta): Promise<void> {
  let content = "";
  for await (const chunk of reply) content += chunk;
  const result = await reply.result;
  ctx.body = {
    ...meta,
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: finishReason(result) }],
    usage: usage(result),
  };
}

async function* streamEvents(
  reply: ReplyStream,
  meta: CompletionMeta,
  body: ChatCompletionRequest,
): AsyncGenerator<string, void, undefined> {
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: object, finish: string | null) => ({
    ...meta,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  yield sseEvent(chunk({ role: "assistant", content: "" }, null));
  for await (const text of reply) yield sseEvent(chunk({ content: text }, null));
  const result = await reply.result;
  yield sseEvent(chunk({}, finishReason(result)));
  if (includeUsage) yield sseEvent({ ...meta, object: "chat.completion.chunk", choices: [], usage: usage(result) });
  yield SSE_DONE;
}
