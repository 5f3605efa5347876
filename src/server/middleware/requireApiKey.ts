import type { Middleware } from "koa";
import type { ApiKeys } from "../auth/ApiKeys.js";
import { UnauthorizedError } from "../httpErrors.js";

/** Accepts the seed API's `X-API-Key` header, or `Authorization: Bearer <key>` as OpenAI clients send it. */
export function requireApiKey(keys: ApiKeys): Middleware {
  return async (ctx, next) => {
    if (!keys.matches(presentedKey(ctx.get("X-API-Key"), ctx.get("Authorization")))) throw new UnauthorizedError();
    await next();
  };
}

function presentedKey(apiKeyHeader: string, authorization: string): string | undefined {
  if (apiKeyHeader !== "") return apiKeyHeader;
  const match = /^Bearer\s+(.+)$/i.exec(authorization);
  return match?.[1]?.trim();
}
