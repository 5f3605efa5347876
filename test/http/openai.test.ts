import OpenAI, { AuthenticationError, BadRequestError, RateLimitError } from "openai";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { loadTestRunner, startTestServer, TEST_KEY, type TestServer } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  runner = await loadTestRunner();
  server = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "1000" } });
  client = sdk(server);
});
afterAll(async () => {
  await server.close();
  await runner.dispose();
});

/** The official client pointed at a test server. The SDK retries 429 and 5xx by itself; the tests want each answer. */
const sdk = (target: TestServer, apiKey = TEST_KEY) => new OpenAI({ baseURL: `${target.url}/v1`, apiKey, maxRetries: 0 });

const historyOf = async (target: TestServer, chatId: string) =>
  (await (await fetch(`${target.url}/history/${chatId}`, { headers: target.headers })).json()).history;

describe("the official openai client", () => {
  it("lists the served model", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["test-model"]);
  });

  it("gets a non-streaming completion with usage", async () => {
    const completion = await client.chat.completions.create({
      model: "test-model",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "Hello there" }] },
      ],
      max_tokens: 12,
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("test-model");
    const [choice] = completion.choices;
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 12);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(0);
  });

  it("streams chunks with for await: role first, content before the end, finish_reason last, usage on request", async () => {
    const gated = new GatedRunner(runner, 2);
    const gatedServer = await startTestServer({ runner: gated });
    const gatedClient = sdk(gatedServer);
    try {
      const stream = await gatedClient.chat.completions.create({
        model: "test-model",
        messages: [{ role: "user", content: "Stream, please" }],
        max_completion_tokens: 10,
        max_tokens: 500,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      let contentBeforeEnd = false;
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunk.choices[0]?.delta.content && !gated.finished) {
          contentBeforeEnd = true;
          gated.open();
        }
      }
      expect(contentBeforeEnd).toBe(true);
      expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
      const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason);
      // max_completion_tokens (10) wins over max_tokens (500): the reply stops for length.
      expect(finishes).toEqual(["length"]);
      const usage = chunks.at(-1)?.usage;
      expect(usage?.completion_tokens).toBe(10);
      expect(chunks.at(-1)?.choices).toEqual([]);
      // llama.cpp's timings extension beside the usage, from the runner's own measurements.
      const { generatedTokens, generationSeconds, cachedTokens } = await gated.lastResult!;
      const timings = (chunks.at(-1) as unknown as { timings: Record<string, number> }).timings;
      expect(timings).toMatchObject({ cache_n: cachedTokens, predicted_n: generatedTokens, predicted_ms: expect.any(Number) });
      expect(timings["predicted_per_second"]).toBeCloseTo((generatedTokens - 1) / generationSeconds, 2);
      expect(timings["prompt_n"]).toBe((usage?.prompt_tokens ?? 0) - cachedTokens);
    } finally {
      gated.open();
      await gatedServer.close();
    }
  });

  it("raises AuthenticationError for a wrong key", async () => {
    const wrong = sdk(server, "wrong-key-1234567");
    await expect(wrong.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("raises BadRequestError naming the field for what the server cannot do", async () => {
    const attempt = client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "hi" }],
      n: 2,
    });
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({ param: "n" });
    const legacy = client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "hi" }],
      functions: [{ name: "f", parameters: {} }],
    });
    await expect(legacy).rejects.toMatchObject({ status: 400, param: "functions" });
    const tooMany = client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 99_999 });
    await expect(tooMany).rejects.toMatchObject({ status: 400, param: "max_tokens" });
    // Defaults for unimplemented fields are accepted.
    const fine = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
      frequency_penalty: 0,
      presence_penalty: 0,
      response_format: { type: "text" },
      tools: [],
      n: 1,
      logprobs: false,
    });
    expect(fine.choices).toHaveLength(1);
  });

  it("raises RateLimitError past the shared chat limit", async () => {
    const limited = await startTestServer({ runner, env: { RATE_LIMIT_CHATS_PER_HOUR: "1" } });
    try {
      const limitedClient = sdk(limited);
      // /chat and /v1 share one counter: the seed route spends it, the OpenAI route is refused.
      await (await fetch(`${limited.url}/chat`, { method: "POST", headers: limited.headers, body: JSON.stringify({ message: "hi", max_tokens: 2 }) })).text();
      await expect(
        limitedClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
      ).rejects.toBeInstanceOf(RateLimitError);
    } finally {
      await limited.close();
    }
  });

  it("continues a stored chat with chat_id (body or X-Chat-Id), seen by GET /history", async () => {
    await client.chat.completions.create({
      model: "m",
      messages: [
        { role: "system", content: "Answer in French." },
        { role: "user", content: "first turn" },
      ],
      max_tokens: 4,
      chat_id: "sdk_chat",
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await client.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "second turn" }], max_tokens: 4 },
      { headers: { "X-Chat-Id": "sdk_chat" } },
    );
    const session = await (await fetch(`${server.url}/history/sdk_chat`, { headers: server.headers })).json();
    expect(session.system_prompt).toBe("Answer in French.");
    expect(session.history.map((turn: { user: string }) => turn.user)).toEqual(["first turn", "second turn"]);

    const dryRun = await (
      await fetch(`${server.url}/chat?dry_run=true`, { method: "POST", headers: server.headers, body: JSON.stringify({ message: "third", chat_id: "sdk_chat" }) })
    ).text();
    expect(dryRun).toContain("first turn");
    expect(dryRun).toContain("second turn");
  });

  it("stops generation on the server when the consumer breaks out of the loop", async () => {
    const gated = new GatedRunner(runner, 1);
    const gatedServer = await startTestServer({ runner: gated });
    const gatedClient = sdk(gatedServer);
    try {
      const stream = await gatedClient.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "go on forever" }],
        max_tokens: 500,
        stream: true,
        chat_id: "breaker",
      } as OpenAI.ChatCompletionCreateParamsStreaming);
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break;
      }
      const result = await gated.lastResult!;
      expect(result.finishReason).toBe("abort");
      expect(result.generatedTokens).toBeLessThan(10);
      let turns: Array<{ interrupted?: string }> = [];
      while (turns.length === 0) turns = (await historyOf(gatedServer, "breaker").catch(() => undefined)) ?? [];
      expect(turns[0]?.interrupted).toBe("client_disconnected");
    } finally {
      gated.open();
      await gatedServer.close();
    }
  });

  it("honours stop strings and ignore_eos", async () => {
    const full = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "say things" }],
      max_tokens: 30,
      seed: 7,
      temperature: 1,
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const text = full.choices[0]!.message.content!;
    expect(full.usage?.completion_tokens).toBe(30);
    const stop = text.trim().split(/\s+/)[2]!;
    const cut = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "say things" }],
      max_tokens: 30,
      seed: 7,
      temperature: 1,
      ignore_eos: true,
      stop: [stop],
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(cut.choices[0]!.finish_reason).toBe("stop");
    expect(cut.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
  });

  it("answers errors on /v1 in OpenAI's shape, and keeps {detail} on seed routes", async () => {
    const v1 = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: server.headers, body: "{" });
    expect(v1.status).toBe(400);
    expect(await v1.json()).toEqual({ error: { message: expect.any(String), type: "invalid_request_error", param: null, code: null } });
    const seed = await fetch(`${server.url}/chat`, { method: "POST", headers: server.headers, body: "{" });
    expect(await seed.json()).toEqual({ detail: expect.any(String) });
    const notFound = await fetch(`${server.url}/v1/nothing`, { headers: server.headers });
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).error.code).toBe("not_found");
  });
});

describe("API documentation", () => {
  it("/openapi.json is a valid OpenAPI 3.1 document covering exactly the router's routes", async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = await response.json();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");

    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const routed = server.routes
      .filter((route) => route !== "GET /docs/{file}")
      .sort();
    expect(documented).toEqual(routed);
    expect(document.paths["/v1/chat/completions"].post.requestBody.content["application/json"].schema.properties.max_tokens).toBeDefined();
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
  });

  it("/docs serves Swagger UI's page and assets without a key", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("/openapi.json");
    const script = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
    expect((await fetch(`${server.url}/docs/package.json`)).status).toBe(404);
  });
});
