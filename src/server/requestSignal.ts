import type { Context } from "koa";
import { HttpError } from "./httpErrors.js";

/** Why a request's generation was stopped early; stored as the turn's `interrupted` value. */
export type InterruptReason = "client_disconnected" | "timeout" | "shutdown";

/** A request ended before any text was sent: a 503 the client may retry (nobody hears it if the client left). */
export class InterruptedError extends HttpError {
  constructor(readonly reason: InterruptReason) {
    super(503, MESSAGES[reason], { "Retry-After": "5" });
  }
}

const MESSAGES: Record<InterruptReason, string> = {
  client_disconnected: "The client disconnected.",
  timeout: "The request timed out (LLAMA_REQUEST_TIMEOUT_S) before a reply could start.",
  shutdown: "The server is shutting down.",
};

/**
 * One AbortSignal for everything that may end a request early: the client going away (the response's close,
 * not the request's, which fires as soon as the body has been read), the request timeout (waiting included)
 * and server shutdown. The signal's reason is an InterruptedError naming which.
 */
export function requestSignal(ctx: Context, timeoutMs: number, shutdown: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const abort = (reason: InterruptReason) => {
    if (!controller.signal.aborted) controller.abort(new InterruptedError(reason));
  };
  const onClose = () => {
    if (!ctx.res.writableFinished) abort("client_disconnected");
  };
  const onShutdown = () => abort("shutdown");
  const timer = setTimeout(() => abort("timeout"), timeoutMs);
  ctx.res.once("close", onClose);
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      shutdown.removeEventListener("abort", onShutdown);
      ctx.res.off("close", onClose);
    },
  };
}

export function interruptReasonOf(signal: AbortSignal): InterruptReason | undefined {
  return signal.aborted && signal.reason instanceof InterruptedError ? signal.reason.reason : undefined;
}
