import { randomUUID } from "node:crypto";
import type Router from "@koa/router";
import type { ChatService } from "../../chat/ChatService.js";
import type { ModelHost } from "../../chat/ModelHost.js";
import type { Config } from "../../config/loadConfig.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import { resolveChatId } from "../routes/resolveChatId.js";
import { ownerOf, startReply, streamBody } from "../routes/startReply.js";
import type { RequestSchemas } from "../schemas/createRequestSchemas.js";
import { samplingOptions } from "../schemas/samplingFields.js";
import { validate } from "../validate.js";
import { respondWhole, streamEvents } from "./chatCompletionResponse.js";
import { completionsRoute } from "./completionsRoute.js";
import { embeddingsRoute } from "./embeddingsRoute.js";
import { modelRoutes } from "./modelRoutes.js";
import { rejectUnsupported } from "./rejectUnsupported.js";
import { replyFormatSpec } from "./replyFormatSpec.js";
import { toConversation, toNewTurn } from "./toConversation.js";

export interface OpenAiRouteDeps {
  chats: ChatService;
  host: ModelHost;
  config: Config;
  rateLimit: ChatRateLimit;
  schemas: RequestSchemas;
  /** Seconds since the epoch when the server started: the model's `created`. */
  startedAt: number;
}

/** The model id clients see: LLAMA_MODEL_ALIAS, or the file name without `.gguf`. */
export function modelId(config: Config, host: ModelHost): string {
  return config.modelAlias ?? host.modelName.replace(/\.gguf$/i, "");
}

/** OpenAI-compatible endpoints on the same runner, sessions, limits and metrics as the seed API. */
export function openaiRoutes(router: Router, deps: OpenAiRouteDeps): void {
  const { chats, host, config, rateLimit, schemas } = deps;
  modelRoutes(router, { id: () => modelId(config, host), created: deps.startedAt });
  completionsRoute(router, { completions: chats.completions, rateLimit, schema: schemas.completion, model: () => modelId(config, host) });
  embeddingsRoute(router, { completions: chats.completions, rateLimit, schema: schemas.embedding, model: () => modelId(config, host) });

  router.post("/v1/chat/completions", async (ctx) => {
    const body = validate(schemas.chatCompletion, ctx.request.body);
    const messages = rejectUnsupported(body);
    const chatId = resolveChatId(body.chat_id, ctx.get("X-Chat-Id"));
    const facts = ctx.state["facts"] as RequestFacts;
    if (chatId !== undefined) facts.chatId = chatId;

    const options = { ...samplingOptions(body), maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined };
    // Before anything is accepted: a malformed conversation or a schema the grammar cannot enforce never
    // counts against the rate limit.
    const conversation = chatId === undefined ? toConversation(messages) : undefined;
    const turn = chatId === undefined ? undefined : toNewTurn(messages);
    const format = chats.completions.replyFormat(replyFormatSpec(body, chatId));
    const reply = await startReply(ctx, rateLimit, (context) =>
      conversation !== undefined
        ? chats.completions.startCompletion({ ...options, ...context, format, messages: conversation })
        : chats.startTurn({ ...options, ...context, format, owner: ownerOf(ctx), chatId: chatId!, ...turn! }),
    );

    const meta = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: modelId(config, host) };
    if (body.stream === true) {
      streamBody(ctx, "text/event-stream", streamEvents(reply, meta, format, body.stream_options?.include_usage === true));
    } else {
      await respondWhole(ctx, reply, meta, format);
    }
  });
}
