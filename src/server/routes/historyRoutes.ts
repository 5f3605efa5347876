import type Router from "@koa/router";
import type { ChatService } from "../../chat/ChatService.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import { chatIdParamsSchema } from "../schemas/chatIdSchema.js";
import { systemPromptRequestSchema } from "../schemas/chatRequestSchema.js";
import { validate } from "../validate.js";

/** The seed API's history management: list, read, set the system prompt, delete. */
export function historyRoutes(router: Router, chats: ChatService): void {
  router.get("/chats", async (ctx) => {
    ctx.body = { chat_ids: await chats.listChats() };
  });

  router.get("/history/:chat_id", async (ctx) => {
    const { chat_id } = validate(chatIdParamsSchema, ctx.params);
    (ctx.state["facts"] as RequestFacts).chatId = chat_id;
    const session = await chats.session(chat_id);
    // Only what the client sent and saw: token ids and the prompt window stay internal.
    ctx.body = {
      system_prompt: session.system_prompt,
      history: session.history.map(({ user, assistant, interrupted }) =>
        interrupted === undefined ? { user, assistant } : { user, assistant, interrupted },
      ),
    };
  });

  router.post("/history/:chat_id/system_prompt", async (ctx) => {
    const { chat_id } = validate(chatIdParamsSchema, ctx.params);
    (ctx.state["facts"] as RequestFacts).chatId = chat_id;
    const { system_prompt } = validate(systemPromptRequestSchema, ctx.request.body);
    await chats.setSystemPrompt(chat_id, system_prompt);
    ctx.body = { detail: `System prompt for chat '${chat_id}' ${system_prompt === null ? "cleared" : "updated"}.` };
  });

  router.delete("/history/:chat_id", async (ctx) => {
    const { chat_id } = validate(chatIdParamsSchema, ctx.params);
    (ctx.state["facts"] as RequestFacts).chatId = chat_id;
    await chats.delete(chat_id);
    ctx.body = { detail: `Chat history '${chat_id}' deleted.` };
  });
}
