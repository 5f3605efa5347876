import { bodyParser } from "@koa/bodyparser";
import type { Middleware } from "koa";
import { settings } from "../../config/settings.js";
import { DomainError } from "../../errors/DomainError.js";

/**
 * Request bodies are JSON only: anything else is refused before the body is read, and whatever goes wrong
 * while reading it (too large, not JSON, a broken compressed body) becomes one of our errors here, where it
 * happens, so that the error middleware only ever sees one family of errors.
 */
export function jsonBody(maxBytes: number): Middleware {
  const parse = bodyParser({ enableTypes: ["json"], jsonStrict: true, jsonLimit: maxBytes });
  return async (ctx, next) => {
    if (ctx.request.length !== 0 && ctx.is("application/json") === false) {
      throw new DomainError("unsupported_media_type", "Content-Type must be application/json.");
    }
    let parsed = false;
    try {
      await parse(ctx, () => {
        parsed = true;
        return next();
      });
    } catch (error) {
      if (parsed) throw error;
      throw bodyError(error, maxBytes);
    }
  };
}

/** co-body, raw-body and zlib describe their failures with `type`, `status` or `code`. */
function bodyError(error: unknown, maxBytes: number): DomainError {
  const { type, status, code } = (error ?? {}) as { type?: unknown; status?: unknown; code?: unknown };
  if (status === 413 || type === "entity.too.large") {
    return new DomainError("payload_too_large", `The body is larger than ${maxBytes} bytes (${settings.maxBodyBytes.name}).`, { cause: error });
  }
  // raw-body says `type`; inflation, which co-body asks first, only sets a 415 status.
  if (type === "encoding.unsupported" || status === 415) {
    return new DomainError("unsupported_media_type", "Unsupported Content-Encoding: use gzip, deflate, br or none.", { cause: error });
  }
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new DomainError("invalid_request", "The body could not be decompressed: its Content-Encoding does not match it.", {
      cause: error,
    });
  }
  if (type === "entity.parse.failed") return new DomainError("invalid_request", "The body is not valid JSON.", { cause: error });
  return new DomainError("invalid_request", "The body could not be read.", { cause: error });
}
