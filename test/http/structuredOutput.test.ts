import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assertValid } from "../support/schemaValidator.js";
import { useSdkServer } from "../support/sdkServer.js";

const sdk = useSdkServer();

// Terminating structure: the test model's text is noise, but under the grammar it has to take this shape.
const Verdict = z.object({
  answer: z.enum(["yes", "no", "maybe"]),
  sure: z.boolean(),
  score: z.int().min(1).max(10),
  tags: z.array(z.string().max(6)).max(3),
  note: z.string().max(8).nullable(),
});
const VERDICT_SCHEMA = z.toJSONSchema(Verdict);

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sdk.server.url}${path}`, { method: "POST", headers: { ...sdk.server.headers, ...headers }, body: JSON.stringify(body) });

describe("response_format with the official openai client", () => {
  it("chat.completions.parse with zodResponseFormat: parsed, valid, finish_reason stop", async () => {
    for (const seed of [1, 2, 3]) {
      const completion = await sdk.client.chat.completions.parse({
        model: "m",
        messages: [{ role: "user", content: "Is the sea blue?" }],
        response_format: zodResponseFormat(Verdict, "verdict"),
        max_tokens: 300,
        seed,
      });
      const [choice] = completion.choices;
      expect(choice?.finish_reason).toBe("stop");
      expect(choice?.message.parsed).toEqual(Verdict.parse(JSON.parse(choice!.message.content!)));
      assertValid(VERDICT_SCHEMA, JSON.parse(choice!.message.content!));
    }
  });

  it("json_object: the content is a JSON object", async () => {
    for (const seed of [1, 2]) {
      const completion = await sdk.client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "Reply in JSON." }],
        response_format: { type: "json_object" },
        max_tokens: 200,
        seed,
      });
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      const value = JSON.parse(completion.choices[0]!.message.content!);
      expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
    }
  });

  it("streams JSON that validates once whole, and says length when max_tokens cut it", async () => {
    const stream = await sdk.client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Stream it" }],
      response_format: { type: "json_schema", json_schema: { name: "v", schema: VERDICT_SCHEMA, strict: true } },
      max_tokens: 300,
      seed: 5,
      stream: true,
    });
    let content = "";
    const finishes: string[] = [];
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(finishes).toEqual(["stop"]);
    assertValid(VERDICT_SCHEMA, JSON.parse(content));

    const cut = await sdk.client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Cut it" }],
      response_format: { type: "json_schema", json_schema: { name: "v", schema: VERDICT_SCHEMA } },
      max_tokens: 3,
    });
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(() => JSON.parse(cut.choices[0]!.message.content!)).toThrow();
  });

  it("with chat_id: the stored turn is the JSON text", async () => {
    const completion = await sdk.client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Store it" }],
      response_format: { type: "json_schema", json_schema: { name: "v", schema: VERDICT_SCHEMA } },
      max_tokens: 300,
      chat_id: "json_chat",
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const content = completion.choices[0]!.message.content!;
    assertValid(VERDICT_SCHEMA, JSON.parse(content));
    const history = await (await fetch(`${sdk.server.url}/history/json_chat`, { headers: sdk.server.headers })).json();
    expect(history.history).toEqual([{ user: "Store it", assistant: content }]);
  });

  it("refuses a schema the grammar cannot enforce with a 400 naming the keyword and its path, before counting it", async () => {
    const response = await post("/v1/chat/completions", {
      messages: [{ role: "user", content: "hi" }],
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { code: { type: "string", pattern: "^[A-Z]{3}$" } } } } },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-ratelimit-remaining")).toBeNull();
    const { error } = await response.json();
    expect(error.param).toBe("response_format.json_schema.schema");
    expect(error.message).toContain("'pattern'");
    expect(error.message).toContain("#/properties/code");
  });

  it("refuses stop strings and ignore_eos under a grammar", async () => {
    const format = { type: "json_object" };
    for (const [field, value] of [["stop", ["}"]], ["ignore_eos", true]] as const) {
      const response = await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], response_format: format, [field]: value });
      expect(response.status).toBe(400);
      expect((await response.json()).error.param).toBe(field);
    }
  });
});
