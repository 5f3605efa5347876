import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaCliRunner } from "../../src/llm/runners/LlamaCliRunner.js";
import { llamaCliBinary } from "../support/llamaCliBinary.js";
import { TEST_MODEL_PATH } from "../support/paths.js";
import { assertValid } from "../support/schemaValidator.js";
import { startTestServer, TEST_KEY, type TestServer } from "../support/startTestServer.js";

const binaryPath = llamaCliBinary();

const VERDICT = {
  type: "object",
  properties: { answer: { enum: ["yes", "no"] }, sure: { type: "boolean" }, words: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 2 } },
  required: ["answer", "sure", "words"],
  additionalProperties: false,
};
const WEATHER = { type: "object", properties: { city: { enum: ["Paris", "Rome"] } }, required: ["city"], additionalProperties: false };

describe.skipIf(binaryPath === undefined)("structured output and agents with the llama.cpp binary runner", () => {
  let cli: LlamaCliRunner;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    cli = await LlamaCliRunner.load({ binaryPath: binaryPath!, modelPath: TEST_MODEL_PATH, contextSize: 2048, threads: 1 });
    server = await startTestServer({ runner: cli, env: { RATE_LIMIT_CHATS_PER_HOUR: "1000", LLAMA_TEMPERATURE: "1" } });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await cli?.dispose();
  });

  it("response_format json_schema: llama-completion's --grammar-file keeps the content valid", async () => {
    for (const seed of [1, 2]) {
      const completion = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "Verdict?" }],
        response_format: { type: "json_schema", json_schema: { name: "v", schema: VERDICT } },
        max_tokens: 200,
        seed,
      });
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      assertValid(VERDICT, JSON.parse(completion.choices[0]!.message.content!));
    }
  });

  it("tool_choice required: the call in the model's syntax, arguments valid, finish_reason tool_calls", async () => {
    const completion = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: WEATHER } }],
      tool_choice: "required",
      max_tokens: 200,
      seed: 3,
    });
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("not a function call");
    expect(call.function.name).toBe("get_weather");
    assertValid(WEATHER, JSON.parse(call.function.arguments));
  });

  it("tool_choice auto: the output is parsed with the same syntax (the noise model writes text)", async () => {
    const completion = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: WEATHER } }],
      max_tokens: 12,
      seed: 3,
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it("/v1/completions completes the raw prompt", async () => {
    const completion = await client.completions.create({ model: "m", prompt: "what you want to do", max_tokens: 8, seed: 1, ignore_eos: true } as never);
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(8);
  });

  it("/v1/embeddings answers 501 saying which runner computes them", async () => {
    const attempt = client.embeddings.create({ model: "m", input: "hi" });
    await expect(attempt).rejects.toMatchObject({ status: 501, code: "not_implemented", message: expect.stringContaining("LLAMA_RUNNER=node") });
  });
});
