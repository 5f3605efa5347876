import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { embedMany, generateObject, generateText, streamObject, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useSdkServer } from "../support/sdkServer.js";
import { assertValid } from "../support/schemaValidator.js";
import { TEST_KEY } from "../support/startTestServer.js";

const sdk = useSdkServer();

// Schemas whose grammars end: under them even the test model's noise has to take exactly this shape.
const Verdict = z.object({ answer: z.enum(["yes", "no"]), sure: z.boolean(), score: z.int().min(1).max(5) });
const Weather = z.object({ city: z.enum(["Paris", "Rome"]), days: z.int().min(1).max(3) });

const aiSdkProvider = () =>
  createOpenAICompatible({ name: "llama-api", baseURL: `${sdk.server.url}/v1`, apiKey: TEST_KEY, supportsStructuredOutputs: true });
const aiSdkModel = () => aiSdkProvider().chatModel("test-model");

const langChainModel = () =>
  new ChatOpenAI({ model: "test-model", apiKey: TEST_KEY, configuration: { baseURL: `${sdk.server.url}/v1` }, maxRetries: 0, temperature: 1, maxTokens: 200 });

describe("the Vercel AI SDK (ai + @ai-sdk/openai-compatible)", () => {
  it("generateObject returns an object that validates", async () => {
    for (const seed of [1, 2]) {
      const { object, finishReason } = await generateObject({ model: aiSdkModel(), schema: Verdict, prompt: "Is it raining?", seed, maxRetries: 0, maxOutputTokens: 200 });
      expect(finishReason).toBe("stop");
      assertValid(z.toJSONSchema(Verdict), object);
    }
  });

  it("streamObject streams partial objects and ends with one that validates", async () => {
    const result = streamObject({ model: aiSdkModel(), schema: Verdict, prompt: "Is it raining?", seed: 3, maxRetries: 0, maxOutputTokens: 200 });
    let partials = 0;
    for await (const partial of result.partialObjectStream) {
      expect(typeof partial).toBe("object");
      partials += 1;
    }
    expect(partials).toBeGreaterThan(1);
    assertValid(z.toJSONSchema(Verdict), await result.object);
  });

  it("generateText with tools and toolChoice required returns tool calls whose input validates", async () => {
    const result = await generateText({
      model: aiSdkModel(),
      prompt: "What is the weather in Paris?",
      tools: { get_weather: tool({ description: "Weather for a city", inputSchema: Weather }) },
      toolChoice: "required",
      seed: 4,
      maxRetries: 0,
      maxOutputTokens: 200,
    });
    expect(result.finishReason).toBe("tool-calls");
    expect(result.toolCalls.length).toBeGreaterThan(0);
    for (const call of result.toolCalls) {
      expect(call.toolName).toBe("get_weather");
      assertValid(z.toJSONSchema(Weather), call.input);
    }
  });

  it("embedMany returns one vector per value, all of one length", async () => {
    const { embeddings } = await embedMany({ model: aiSdkProvider().textEmbeddingModel("test-model"), values: ["the sea", "the ships"], maxRetries: 0 });
    expect(embeddings).toHaveLength(2);
    expect(embeddings[0]!.length).toBeGreaterThan(0);
    expect(embeddings[1]!.length).toBe(embeddings[0]!.length);
  });
});

describe("LangChain.js (@langchain/openai)", () => {
  it("withStructuredOutput returns an object that validates, by JSON schema and by function calling", async () => {
    for (const method of ["jsonSchema", "functionCalling"] as const) {
      const structured = langChainModel().withStructuredOutput(Verdict, { name: "verdict", method });
      const verdict = await structured.invoke("Is it raining?");
      assertValid(z.toJSONSchema(Verdict), verdict);
    }
  });

  it("bindTools with a forced tool returns its call, with arguments that validate", async () => {
    const bound = langChainModel().bindTools(
      [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: z.toJSONSchema(Weather) } }],
      { tool_choice: { type: "function", function: { name: "get_weather" } } },
    );
    const message = await bound.invoke("What is the weather in Rome?");
    expect(message.tool_calls?.length).toBe(1);
    expect(message.tool_calls?.[0]).toMatchObject({ name: "get_weather", id: expect.stringMatching(/^call_/) });
    assertValid(z.toJSONSchema(Weather), message.tool_calls![0]!.args);
  });

  it("OpenAIEmbeddings embeds documents and a query", async () => {
    const embeddings = new OpenAIEmbeddings({ model: "test-model", apiKey: TEST_KEY, configuration: { baseURL: `${sdk.server.url}/v1` }, maxRetries: 0 });
    const documents = await embeddings.embedDocuments(["the sea", "the ships"]);
    const query = await embeddings.embedQuery("the sea");
    expect(documents).toHaveLength(2);
    expect(query.length).toBe(documents[0]!.length);
    query.forEach((value, index) => expect(value).toBeCloseTo(documents[0]![index]!, 5));
  });
});
