import { gzipSync } from "node:zlib";
import fc from "fast-check";

/** One request exactly as sent: any method, path, headers and body bytes. */
export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Header values http.request accepts: printable ASCII, no CR/LF. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });

const ROUTES = [
  "/chat", "/chat?dry_run=true", "/chats", "/chats?limit=2", "/history/fuzz", "/history/fuzz/system_prompt", "/v1/chat/completions",
  "/v1/models", "/v1/models/x", "/v1/completions", "/v1/embeddings", "/health", "/metrics", "/openapi.json", "/docs", "/docs/x",
  "/", "/favicon.ico", "/web/app.js",
];

const path = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
  fc.webPath(),
  fc.constantFrom("/docs/constructor", "/docs/__proto__", "/history/..%2F..%2Fetc", "/history/%00", "/chats?limit=-1", "/chats?after=%FF"),
  fc.tuple(fc.constantFrom(...ROUTES), headerText).map(([route, tail]) => `${route}/${encodeURIComponent(tail)}`),
  fc.integer({ min: 1, max: 8000 }).map((length) => `/history/${"a".repeat(length)}`),
);

const chatId = fc.oneof(fc.constantFrom("fuzz", "default", "x_1"), headerText);
const nearValidChat = fc.record(
  {
    message: fc.oneof(fc.string({ maxLength: 200 }), fc.constant(""), fc.integer()),
    chat_id: chatId,
    max_tokens: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double()),
    temperature: fc.oneof(fc.double({ min: -1, max: 3 }), fc.string()),
    seed: fc.oneof(fc.integer(), fc.bigInt().map(String)),
  },
  { requiredKeys: [] },
);
const nearValidCompletion = fc.record(
  {
    model: fc.string(),
    messages: fc.array(fc.record({ role: fc.constantFrom("user", "system", "assistant", "tool", "x"), content: fc.oneof(fc.string(), fc.jsonValue()) }), { maxLength: 4 }),
    max_tokens: fc.integer({ min: -1, max: 20 }),
    stream: fc.boolean(),
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 6 })),
    chat_id: chatId,
    tools: fc.jsonValue(),
    response_format: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map(json),
  nearValidChat.map(json),
  nearValidCompletion.map(json),
  fc.record({ system_prompt: fc.oneof(fc.string(), fc.constant(null), fc.integer()) }).map(json),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)),
  nearValidChat.map((value) => gzipSync(json(value))),
);

/** Requests of every kind: mostly the server's own routes with near-valid or broken bodies and headers. */
export function hostileRequest(validKeys: readonly string[], port: number): fc.Arbitrary<HostileRequest> {
  const header = (name: string, values: fc.Arbitrary<string>) => fc.option(values.map((value) => [name, value] as const), { nil: undefined });
  return fc
    .record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom("GET", "POST", "DELETE") }, fc.constantFrom("PUT", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "TRACE")),
      path,
      body,
      headers: fc.tuple(
        header("X-API-Key", fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...validKeys) }, headerText)),
        header("Authorization", fc.oneof(fc.constantFrom(...validKeys).map((key) => `Bearer ${key}`), headerText)),
        header("Content-Type", fc.oneof(fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data"), headerText)),
        header("Content-Encoding", fc.constantFrom("gzip", "deflate", "br", "identity", "zstd", "gzip, gzip")),
        header("X-Chat-Id", chatId),
        header("Host", fc.oneof({ weight: 5, arbitrary: fc.constant(`127.0.0.1:${port}`) }, fc.constantFrom("localhost", "[::1]", "evil.example"), headerText)),
        header("Origin", fc.oneof(fc.constant("https://evil.example"), headerText)),
        header("X-Forwarded-For", headerText),
        header("Accept-Encoding", fc.constantFrom("gzip", "br", "*")),
      ),
    })
    .map(({ method, path: target, body: bytes, headers }) => {
      const sent = method === "GET" || method === "HEAD" ? undefined : bytes;
      return {
        method,
        path: target,
        body: sent,
        // Framed: Node sends a DELETE's body without Content-Length, and the server would read those bytes as a
        // second request on the connection (and answer it 400), which is not what the case is about.
        headers: {
          ...Object.fromEntries(headers.filter((entry) => entry !== undefined)),
          ...(sent === undefined ? {} : { "Content-Length": String(sent.length) }),
        },
      };
    });
}
