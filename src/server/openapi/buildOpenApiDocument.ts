import { z } from "zod";
import { settings } from "../../config/settings.js";
import type { RequestSchemas } from "../schemas/createRequestSchemas.js";
import {
  chatCompletionChunkSchema,
  chatCompletionSchema,
  completionChunkSchema,
  completionSchema,
  embeddingListSchema,
  modelSchema,
  chatListSchema,
  detailSchema,
  healthSchema,
  historySchema,
  modelListSchema,
  openAiErrorSchema,
} from "./responseSchemas.js";

type Schema = z.ZodType;

interface Operation {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  tags: string[];
  /** Needs the API key (everything but the monitoring and documentation routes). */
  secured: boolean;
  request?: Schema;
  query?: Record<string, { schema: object; description: string }>;
  /** Status -> description and body; `text` for plain-text bodies, `sse` for event streams. */
  responses: Record<string, { description: string; schema?: Schema; text?: string; sse?: string; html?: boolean }>;
}

/** JSON Schema 2020-12 is OpenAPI 3.1's own dialect; the per-schema `$schema` marker is left out. */
function jsonSchema(schema: Schema): object {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
  return rest;
}

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests, so the two cannot
 * drift apart. A test checks that it lists exactly the routes the router has.
 */
export function buildOpenApiDocument(schemas: RequestSchemas, version: string): object {
  const seedErrors = errorResponses(detailSchema);
  const openAiErrors = errorResponses(openAiErrorSchema);
  const chatIdParam = { name: "chat_id", in: "path", required: true, schema: jsonSchema(schemas.chatId) };

  const operations: Operation[] = [
    {
      method: "post",
      path: "/chat",
      summary: "Start or continue a chat, streaming the reply as plain text",
      tags: ["chat"],
      secured: true,
      request: schemas.chat,
      query: { dry_run: { schema: { type: "boolean" }, description: "Return the prompt that would be evaluated instead." } },
      responses: { "200": { description: "The reply, streamed token by token (or the prompt, with dry_run).", text: "The reply." }, ...seedErrors },
    },
    { method: "get", path: "/chats", summary: "List chat ids", tags: ["history"], secured: true, responses: { "200": { description: "Chat ids.", schema: chatListSchema }, ...seedErrors } },
    { method: "get", path: "/history/{chat_id}", summary: "A chat's system prompt and turns", tags: ["history"], secured: true, responses: { "200": { description: "The session.", schema: historySchema }, ...seedErrors } },
    {
      method: "post",
      path: "/history/{chat_id}/system_prompt",
      summary: "Set (or with null clear) a chat's system prompt",
      tags: ["history"],
      secured: true,
      request: schemas.systemPrompt,
      responses: { "200": { description: "Updated.", schema: detailSchema }, ...seedErrors },
    },
    { method: "delete", path: "/history/{chat_id}", summary: "Delete a chat", tags: ["history"], secured: true, responses: { "200": { description: "Deleted.", schema: detailSchema }, ...seedErrors } },
    { method: "get", path: "/health", summary: "Health check", tags: ["monitoring"], secured: false, responses: { "200": { description: "Ready.", schema: healthSchema }, "503": { description: "The model is loading (or failed to load).", schema: healthSchema } } },
    { method: "get", path: "/metrics", summary: "Prometheus metrics", tags: ["monitoring"], secured: false, responses: { "200": { description: "Prometheus text format.", text: "Metrics." } } },
    { method: "get", path: "/v1/models", summary: "The served model (OpenAI format)", tags: ["openai"], secured: true, responses: { "200": { description: "One model.", schema: modelListSchema }, ...openAiErrors } },
    {
      method: "get",
      path: "/v1/models/{model}",
      summary: "The served model by its id (404 for any other)",
      tags: ["openai"],
      secured: true,
      responses: { "200": { description: "The model.", schema: modelSchema }, ...openAiErrors },
    },
    {
      method: "post",
      path: "/v1/chat/completions",
      summary: "OpenAI-compatible chat completion, stateless or (with chat_id) on a stored chat",
      tags: ["openai"],
      secured: true,
      request: schemas.chatCompletion,
      responses: {
        "200": { description: "A completion, or with stream: true a stream of chunks.", schema: chatCompletionSchema, sse: "ChatCompletionChunk" },
        ...openAiErrors,
      },
    },
    {
      method: "post",
      path: "/v1/completions",
      summary: "OpenAI-compatible completion of a raw prompt (no chat template)",
      tags: ["openai"],
      secured: true,
      request: schemas.completion,
      responses: {
        "200": { description: "A completion, or with stream: true a stream of chunks.", schema: completionSchema, sse: "TextCompletionChunk" },
        ...openAiErrors,
      },
    },
    {
      method: "post",
      path: "/v1/embeddings",
      summary: "Embeddings from the served model (in-process runner)",
      tags: ["openai"],
      secured: true,
      request: schemas.embedding,
      responses: {
        "200": { description: "One unit-length vector per input.", schema: embeddingListSchema },
        ...openAiErrors,
        "501": { description: "The llama.cpp binary runner computes no embeddings.", schema: openAiErrorSchema },
      },
    },
    { method: "get", path: "/openapi.json", summary: "This document", tags: ["documentation"], secured: false, responses: { "200": { description: "OpenAPI 3.1 document." } } },
    { method: "get", path: "/docs", summary: "Interactive documentation (Swagger UI)", tags: ["documentation"], secured: false, responses: { "200": { description: "HTML page.", html: true } } },
  ];

  const paths: Record<string, Record<string, object>> = {};
  for (const operation of operations) {
    const pathItem = (paths[operation.path] ??= {});
    pathItem[operation.method] = {
      summary: operation.summary,
      tags: operation.tags,
      operationId: `${operation.method}${operation.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? "").toUpperCase())}`,
      ...(operation.secured ? { security: [{ apiKey: [] }, { bearer: [] }] } : { security: [] }),
      parameters: [
        ...(operation.path.includes("{chat_id}") ? [chatIdParam] : []),
        ...(operation.path.includes("{model}") ? [{ name: "model", in: "path", required: true, schema: { type: "string" } }] : []),
        ...Object.entries(operation.query ?? {}).map(([name, query]) => ({ name, in: "query", required: false, ...query })),
      ],
      ...(operation.request === undefined
        ? {}
        : { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(operation.request) } } } }),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, response]) => [status, { description: response.description, ...content(response) }]),
      ),
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "llama-api",
      version,
      description: "A secure, streaming REST API for a local GGUF language model, with chat sessions kept on the server.",
    },
    components: {
      schemas: { ChatCompletionChunk: jsonSchema(chatCompletionChunkSchema), TextCompletionChunk: jsonSchema(completionChunkSchema) },
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        bearer: { type: "http", scheme: "bearer", description: "The same key, as OpenAI clients send it." },
      },
    },
    paths,
  };
}

function content(response: Operation["responses"][string]): object {
  const types: Record<string, object> = {};
  if (response.schema !== undefined) types["application/json"] = { schema: jsonSchema(response.schema) };
  if (response.text !== undefined) types["text/plain"] = { schema: { type: "string", description: response.text } };
  if (response.sse !== undefined) {
    types["text/event-stream"] = {
      schema: { type: "string", description: `Server-Sent Events: each \`data:\` line holds a ${response.sse} (see components), then \`data: [DONE]\`.` },
    };
  }
  if (response.html === true) types["text/html"] = { schema: { type: "string" } };
  return Object.keys(types).length === 0 ? {} : { content: types };
}

function errorResponses(schema: Schema): Operation["responses"] {
  const error = (description: string) => ({ description, schema });
  return {
    "400": error("Invalid input (the message names the field)."),
    "401": error("Missing or wrong API key."),
    "404": error("Unknown chat, or (GET /v1/models/{model}) model."),
    "413": error(`Body larger than ${settings.maxBodyBytes.name}.`),
    "415": error("Body is not JSON."),
    "429": error("Rate limited, or the chat is busy (see Retry-After)."),
    "503": error("The model is loading, or the server is shutting down (see Retry-After)."),
  };
}
