import { Readable } from "node:stream";
import type { Context } from "koa";
import type { ReplyStream } from "../../chat/ReplyStream.js";
import { clientGone } from "../clientGone.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import { recordFacts, type RequestFacts } from "../middleware/requestLog.js";

/** What every generation request gives the chat core from its HTTP request. */
export interface ReplyContext {
  clientGone: AbortSignal;
  admit: () => Promise<void>;
}

/**
 * The glue both generation routes share: the client's signal, the rate limit counted at admission, and the
 * reply's token counts in the request's log line.
 */
export async function startReply(
  ctx: Context,
  rateLimit: ChatRateLimit,
  start: (context: ReplyContext) => Promise<ReplyStream>,
): Promise<ReplyStream> {
  const reply = await start({ clientGone: clientGone(ctx), admit: () => rateLimit(ctx) });
  recordFacts(ctx.state["facts"] as RequestFacts, reply);
  return reply;
}

/** Streams text to the client as it comes, through proxies that would otherwise buffer it. */
export function streamBody(ctx: Context, type: string, chunks: AsyncIterable<string>): void {
  ctx.type = type;
  ctx.set("Cache-Control", "no-cache");
  // Tells nginx-style proxies not to buffer the stream.
  ctx.set("X-Accel-Buffering", "no");
  ctx.body = Readable.from(chunks, { objectMode: false });
}
