import type { Context } from "koa";
import type { ErrorKind } from "../errors/DomainError.js";

/** Refusals of a server that has no room: the ones a client in a hot loop meets again and again. */
const OVERLOAD_REFUSALS: ReadonlySet<ErrorKind> = new Set(["queue_full", "rate_limited", "chat_busy"]);

/** How long a connection that was just refused is not read from. */
export const REFUSED_CONNECTION_PAUSE_MS = 250;

/**
 * Answers a refusal at once, but reads the connection's next request only a quarter of a second later. A
 * client that ignores Retry-After and asks again the moment it is refused (a load generator, a naive retry
 * loop) would otherwise keep the one JavaScript thread busy with refusals, and every reply being generated
 * needs that thread for each of its tokens: measured with `npm run loadtest` at 4x capacity, accepted tokens/s
 * fell to 0.17-0.19 of the figure at capacity without the pause, and stayed at 1.0 with it.
 */
export function pauseRefusedConnection(ctx: Context, kind: ErrorKind): void {
  if (!OVERLOAD_REFUSALS.has(kind)) return;
  const socket = ctx.req.socket;
  ctx.res.once("finish", () => {
    socket.pause();
    setTimeout(() => socket.resume(), REFUSED_CONNECTION_PAUSE_MS).unref();
  });
}
