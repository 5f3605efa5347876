import type { Middleware } from "koa";
import { DomainError } from "../../errors/DomainError.js";
import type { Metrics } from "../../observability/Metrics.js";
import type { ApiKeys } from "../auth/ApiKeys.js";
import type { AuthFailureLimiter } from "../limits/AuthFailureLimiter.js";

/**
 * Accepts the seed API's `X-API-Key` header, or `Authorization: Bearer <key>` as OpenAI clients send it, and
 * puts the key's owner in `ctx.state.owner`. Wrong keys are counted per IP; past the limit the IP is refused
 * before its key is looked at. A request with no key at all is refused but not counted: a page on another
 * site can make a victim's browser send keyless requests without a preflight, never one with a key header,
 * so keyless traffic must not be able to lock the right key out.
 */
export function requireApiKey(keys: ApiKeys, failures: AuthFailureLimiter, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const presented = presentedKey(ctx.get("X-API-Key"), ctx.get("Authorization"));
    if (presented === undefined) throw new DomainError("unauthorized", "Missing API key: send it as X-API-Key or Authorization: Bearer.");
    const blockedFor = await failures.blockedFor(ctx.ip);
    if (blockedFor > 0) {
      metrics.rateLimited.inc({ limit: "auth_failures" });
      throw new DomainError("rate_limited", "Too many failed authentication attempts from this client; try again later.", {
        retryAfterSeconds: blockedFor,
      });
    }
    const owner = keys.ownerOf(presented);
    if (owner === undefined) {
      await failures.recordFailure(ctx.ip);
      throw new DomainError("unauthorized", "Invalid or missing API key.");
    }
    ctx.state["owner"] = owner;
    await next();
  };
}

function presentedKey(apiKeyHeader: string, authorization: string): string | undefined {
  if (apiKeyHeader !== "") return apiKeyHeader;
  const match = /^Bearer\s+(.+)$/i.exec(authorization);
  const key = match?.[1]?.trim();
  return key === "" ? undefined : key;
}
