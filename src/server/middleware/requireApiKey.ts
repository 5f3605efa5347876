import type { Middleware } from "koa";
import type { Metrics } from "../../observability/Metrics.js";
import type { ApiKeys } from "../auth/ApiKeys.js";
import { DomainError } from "../../errors/DomainError.js";
import type { AuthFailureLimiter } from "../limits/AuthFailureLimiter.js";

/**
 * Accepts the seed API's `X-API-Key` header, or `Authorization: Bearer <key>` as OpenAI clients send it.
 * Failed attempts are counted per IP; past the limit the IP is refused before its key is looked at.
 */
export function requireApiKey(keys: ApiKeys, failures: AuthFailureLimiter, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const blockedFor = failures.blockedFor(ctx.ip);
    if (blockedFor > 0) {
      metrics.rateLimited.inc({ limit: "auth_failures" });
      throw new DomainError("rate_limited", "Too many failed authentication attempts from this client; try again later.", {
        retryAfterSeconds: blockedFor,
      });
    }
    if (!keys.matches(presentedKey(ctx.get("X-API-Key"), ctx.get("Authorization")))) {
      failures.recordFailure(ctx.ip);
      throw new DomainError("unauthorized", "Invalid or missing API key.");
    }
    await next();
  };
}

function presentedKey(apiKeyHeader: string, authorization: string): string | undefined {
  if (apiKeyHeader !== "") return apiKeyHeader;
  const match = /^Bearer\s+(.+)$/i.exec(authorization);
  return match?.[1]?.trim();
}
