import type { Context } from "koa";

/**
 * Aborts when the client goes away before its response has been sent: the response's close, not the
 * request's, which fires as soon as the body has been read.
 */
export function clientGone(ctx: Context): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort();
  };
  // Already gone: its close event has been and gone.
  if (ctx.res.closed || ctx.res.destroyed || ctx.req.socket.destroyed) onClose();
  else ctx.res.once("close", onClose);
  return controller.signal;
}
