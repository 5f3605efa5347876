import type Router from "@koa/router";
import type { ChatService } from "../../chat/ChatService.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import type { chatRequestSchema } from "../schemas/chatRequestSchema.js";
import { validate } from "../validate.js";
import { resolveChatId } from "./resolveChatId.js";
import { ownerOf, startReply, streamBody } from "./startReply.js";

export interface ChatRouteDeps {
  chats: ChatService;
  rateLimit: ChatRateLimit;
  schema: ReturnType<typeof chatRequestSchema>;
}

/** POST /chat: streams the reply as plain text, token by token; `?dry_run=true` shows the prompt instead. */
export function chatRoutes(router: Router, { chats, rateLimit, schema }: ChatRouteDeps): void {
  router.post("/chat", async (ctx) => {
    const parsed = validate(schema, ctx.request.body);
    // chat_id defaults to "default" only when neither the body nor X-Chat-Id names one.
    const named = (ctx.request.body as { chat_id?: unknown } | undefined)?.chat_id === undefined ? undefined : parsed.chat_id;
    const body = { ...parsed, chat_id: resolveChatId(named, ctx.get("X-Chat-Id")) ?? parsed.chat_id };
    (ctx.state["facts"] as RequestFacts).chatId = body.chat_id;

    if (ctx.query["dry_run"] === "true") {
      const key = { owner: ownerOf(ctx), chatId: body.chat_id };
      const { prompt, promptTokens } = await chats.dryRun(key, body.message, body.max_tokens);
      ctx.type = "text/plain; charset=utf-8";
      ctx.set("X-Prompt-Tokens", String(promptTokens));
      ctx.body = prompt;
      return;
    }

    const reply = await startReply(ctx, rateLimit, (context) =>
      chats.startTurn({
        ...context,
        owner: ownerOf(ctx),
        chatId: body.chat_id,
        message: body.message,
        maxTokens: body.max_tokens,
        temperature: body.temperature,
        seed: body.seed,
      }),
    );
    streamBody(ctx, "text/plain; charset=utf-8", reply);
  });
}
