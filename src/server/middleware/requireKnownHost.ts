import { isIP } from "node:net";
import type { Middleware } from "koa";
import { settings } from "../../config/settings.js";
import { DomainError } from "../../errors/DomainError.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** The host part of a Host header: its port and any trailing dot left out, lower case. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127."));
}

/**
 * Refuses requests for a host this server does not answer for, so that a page on a DNS-rebinding domain
 * (evil.example resolving to 127.0.0.1) cannot read it from a victim's browser: on a loopback address only
 * the loopback names are accepted, plus ALLOWED_HOSTS; on another address every host is accepted unless
 * ALLOWED_HOSTS says which ("*": any).
 */
export function requireKnownHost(listenHost: string, allowedHosts: readonly string[]): Middleware {
  const allowed = new Set([...LOOPBACK_NAMES, ...allowedHosts.map(hostName)]);
  const checked = !allowed.has("*") && (isLoopback(listenHost) || allowedHosts.length > 0);
  return async (ctx, next) => {
    if (checked && !allowed.has(hostName(ctx.get("Host")))) {
      throw new DomainError(
        "misdirected_request",
        `This server does not answer for the host '${hostName(ctx.get("Host"))}'; add it to ${settings.allowedHosts.name}.`,
      );
    }
    await next();
  };
}
