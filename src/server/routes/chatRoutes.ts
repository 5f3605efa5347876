import { Readable } from "node:stream";
import type Router from "@koa/router";
import type { Config } from "../../config/loadConfig.js";
import type { ChatService } from "../ChatService.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import { recordFacts, type RequestFacts } from "../middleware/requestLog.js";
import { requestSignal } from "../requestSignal.js";
import type { chatRequestSchema } from "../schemas.js";
import { validate } from "../validate.js";

export interface ChatRouteDeps {
  chats: ChatService;
  config: Config;
  rateLimit: ChatRateLimit;
  schema: ReturnType<typeof chatRequestSchema>;
}

/** POST /chat: streams the reply as plain text, token by token; `?dry_run=true` shows the prompt instead. */
export function chatRoutes(router: Router, { chats, config, rateLimit, schema }: ChatRouteDeps): void {
  router.post("/chat", async (ctx) => {
    const body = validate(schema, ctx.request.body);
    const facts = ctx.state["facts"] as RequestFacts;
    facts.chatId = body.chat_id;

    if (ctx.query["dry_run"] === "true") {
      const { prompt, promptTokens } = await chats.dryRun(body.chat_id, body.message, body.max_tokens);
      ctx.type = "text/plain; charset=utf-8";
      ctx.set("X-Prompt-Tokens", String(promptTokens));
      ctx.body = prompt;
      return;
    }

    const { signal, done } = requestSignal(ctx, config.requestTimeoutSeconds * 1000, chats.shutdownSignal);
    const turn = await chats.startTurn({
      chatId: body.chat_id,
      message: body.message,
      maxTokens: body.max_tokens,
      temperature: body.temperature,
      seed: body.seed,
      signal,
      admit: () => rateLimit(ctx),
      onEnd: done,
    });
    recordFacts(facts, turn);

    ctx.type = "text/plain; charset=utf-8";
    ctx.set("Cache-Control", "no-cache");
    // Tells nginx-style proxies not to buffer the stream.
    ctx.set("X-Accel-Buffering", "no");
    ctx.body = Readable.from(turn.chunks, { objectMode: false });
  });
}
