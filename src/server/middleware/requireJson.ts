import type { Middleware } from "koa";
import { HttpError } from "../httpErrors.js";

/** Request bodies are JSON only: anything else is refused before the body is read. */
export function requireJson(): Middleware {
  return async (ctx, next) => {
    if (ctx.request.length !== 0 && ctx.is("application/json") === false) {
      throw new HttpError(415, "Content-Type must be application/json.");
    }
    await next();
  };
}
