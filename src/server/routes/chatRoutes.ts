import { Readable } from "node:stream";
import type Router from "@koa/router";
import type { Config } from "../../config/loadConfig.js";
import type { ChatService } from "../ChatService.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import { chatRequestSchema } from "../schemas.js";
import { validate } from "../validate.js";

/** POST /chat: streams the reply as plain text, token by token; `?dry_run=true` shows the prompt instead. */
export function chatRoutes(router: Router, chats: ChatService, config: Config): void {
  const schema = chatRequestSchema({ maxTokensLimit: config.maxTokensLimit });

  router.post("/chat", async (ctx) => {
    const body = validate(schema, ctx.request.body);
    const facts = ctx.state["facts"] as RequestFacts;
    facts.chatId = body.chat_id;
    ctx.type = "text/plain; charset=utf-8";

    if (ctx.query["dry_run"] === "true") {
      const { prompt, promptTokens } = await chats.dryRun(body.chat_id, body.message, body.max_tokens);
      ctx.set("X-Prompt-Tokens", String(promptTokens));
      ctx.body = prompt;
      return;
    }

    // The response's close, not the request's: the request ends as soon as its body has been read.
    const controller = new AbortController();
    ctx.res.once("close", () => {
      if (!ctx.res.writableFinished) controller.abort(new Error("client disconnected"));
    });
    const turn = await chats.startTurn({
      chatId: body.chat_id,
      message: body.message,
      maxTokens: body.max_tokens,
      temperature: body.temperature,
      seed: body.seed,
      signal: controller.signal,
    });
    facts.promptTokens = turn.promptTokens;
    void turn.result.then((result) => {
      facts.cachedTokens = result.cachedTokens;
      facts.generatedTokens = result.generatedTokens;
      facts.finishReason = result.finishReason;
    }, () => undefined);

    ctx.set("Cache-Control", "no-cache");
    // Tells nginx-style proxies not to buffer the stream.
    ctx.set("X-Accel-Buffering", "no");
    ctx.body = Readable.from(turn.chunks, { objectMode: false });
  });
}
