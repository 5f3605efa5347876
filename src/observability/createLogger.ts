import pino, { type Logger } from "pino";

/** JSON logs on stdout. The API key and message texts are never logged at info. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "llama-api" },
    redact: { paths: ["req.headers['x-api-key']", "req.headers.authorization", "*.apiKey"], censor: "[redacted]" },
  });
}
