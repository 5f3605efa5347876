import { Readable } from "node:stream";
import type { Context } from "koa";
import type { ReplyStream } from "../../chat/ReplyStream.js";
import { clientGone } from "../clientGone.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import { recordFacts, type RequestFacts } from "../middleware/requestLog.js";

/** What every generation request gives the chat core from its HTTP request. */
export interface ReplyContext {
  clientGone: AbortSignal;
  delivered: Promise<boolean>;
  admit: () => Promise<() => void>;
}

/**
 * The glue both generation routes share: the client's signal, whether the response reached its end (a turn is
 * complete only then), the rate limit, and the reply's token counts in the request's log line.
 */
export async function startReply(
  ctx: Context,
  rateLimit: ChatRateLimit,
  start: (context: ReplyContext) => Promise<ReplyStream>,
): Promise<ReplyStream> {
  const reply = await start({ clientGone: clientGone(ctx), delivered: delivered(ctx), admit: () => rateLimit(ctx) });
  // Cut by timeout or shutdown: once the reply is saved, a response still being written must not wait for a
  // client that reads slowly (shutdown waits for every turn to settle, and a turn waits for its response).
  reply.signal.addEventListener("abort", () => {
    void reply.ended.then(() => setImmediate(() => ctx.res.writableFinished || ctx.res.destroy()));
  });
  recordFacts(ctx.state["facts"] as RequestFacts, reply);
  return reply;
}

/** True once the whole response has been handed to the socket, false when it closed before that. */
function delivered(ctx: Context): Promise<boolean> {
  return new Promise((resolve) => {
    if (ctx.res.writableFinished) return resolve(true);
    if (ctx.res.closed || ctx.res.destroyed) return resolve(false);
    ctx.res.once("finish", () => resolve(true));
    ctx.res.once("close", () => resolve(ctx.res.writableFinished));
  });
}

/** Streams text to the client as it comes, through proxies that would otherwise buffer it. */
export function streamBody(ctx: Context, type: string, chunks: AsyncIterable<string>): void {
  ctx.type = type;
  ctx.set("Cache-Control", "no-cache");
  // Tells nginx-style proxies not to buffer the stream.
  ctx.set("X-Accel-Buffering", "no");
  ctx.body = Readable.from(chunks, { objectMode: false });
}

/** The owner of the request's API key (see requireApiKey). */
export const ownerOf = (ctx: Context): string => ctx.state["owner"] as string;
