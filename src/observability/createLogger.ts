import pino, { type DestinationStream, type Logger } from "pino";

/** JSON logs on stdout (or `destination`). The API key and message texts are never logged at info. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "llama-api" },
    redact: { paths: ["req.headers['x-api-key']", "req.headers.authorization", "*.apiKey"], censor: "[redacted]" },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
