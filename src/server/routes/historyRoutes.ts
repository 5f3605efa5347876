import type Router from "@koa/router";
import type { Context } from "koa";
import type { ChatService } from "../../chat/ChatService.js";
import type { ChatKey } from "../../sessions/SessionStore.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import { chatIdParamsSchema, chatListQuerySchema } from "../schemas/chatIdSchema.js";
import { systemPromptRequestSchema } from "../schemas/chatRequestSchema.js";
import { validate } from "../validate.js";
import { ownerOf } from "./startReply.js";

/** The chat a /history route names, of the key's owner. */
function chatOf(ctx: Context): ChatKey {
  const { chat_id } = validate(chatIdParamsSchema, ctx.params);
  (ctx.state["facts"] as RequestFacts).chatId = chat_id;
  return { owner: ownerOf(ctx), chatId: chat_id };
}

/** The seed API's history management: list, read, set the system prompt, delete; each key owner's chats only. */
export function historyRoutes(router: Router, chats: ChatService): void {
  router.get("/chats", async (ctx) => {
    const { limit, after } = validate(chatListQuerySchema, ctx.query);
    const ids = await chats.listChats(ownerOf(ctx), { limit, after });
    // With a limit, a full page says where the next one starts.
    const last = ids.at(-1);
    ctx.body = limit !== undefined && ids.length === limit && last !== undefined ? { chat_ids: ids, next_after: last } : { chat_ids: ids };
  });

  router.get("/history/:chat_id", async (ctx) => {
    const session = await chats.session(chatOf(ctx));
    // Only what the client sent and saw: token ids and the prompt window stay internal.
    ctx.body = {
      system_prompt: session.system_prompt,
      history: session.history.map(({ user, assistant, interrupted }) =>
        interrupted === undefined ? { user, assistant } : { user, assistant, interrupted },
      ),
    };
  });

  router.post("/history/:chat_id/system_prompt", async (ctx) => {
    const key = chatOf(ctx);
    const { system_prompt } = validate(systemPromptRequestSchema, ctx.request.body);
    await chats.setSystemPrompt(key, system_prompt);
    ctx.body = { detail: `System prompt for chat '${key.chatId}' ${system_prompt === null ? "cleared" : "updated"}.` };
  });

  router.delete("/history/:chat_id", async (ctx) => {
    const key = chatOf(ctx);
    await chats.delete(key);
    ctx.body = { detail: `Chat history '${key.chatId}' deleted.` };
  });
}
