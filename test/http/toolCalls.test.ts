import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { assertValid } from "../support/schemaValidator.js";
import { useSdkServer } from "../support/sdkServer.js";

const sdk = useSdkServer();

const WEATHER = {
  type: "object",
  properties: { city: { type: "string", enum: ["Paris", "Rome", "Oslo"] }, days: { type: "integer", minimum: 1, maximum: 7 } },
  required: ["city", "days"],
  additionalProperties: false,
} as const;
const TIME = { type: "object", properties: { utc: { type: "boolean" } }, required: ["utc"], additionalProperties: false } as const;

const TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: WEATHER } },
  { type: "function", function: { name: "get_time", description: "The time", parameters: TIME } },
];
const schemaOf = (name: string) => (name === "get_weather" ? WEATHER : TIME);
const question: OpenAI.ChatCompletionMessageParam = { role: "user", content: "What is the weather in Paris?" };

/** A non-streaming request with the tools. */
const ask = (extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) =>
  sdk.client.chat.completions.create({ model: "m", messages: [question], tools: TOOLS, max_tokens: 200, ...extra });

/** The call's function, failing on any other kind of call. */
function functionOf(call: OpenAI.ChatCompletionMessageToolCall | undefined): OpenAI.ChatCompletionMessageFunctionToolCall["function"] {
  if (call?.type !== "function") throw new Error(`not a function call: ${JSON.stringify(call)}`);
  return call.function;
}

describe("tool calls with the official openai client", () => {
  it("tool_choice required: message.tool_calls with ids, arguments that validate, finish_reason tool_calls", async () => {
    for (const seed of [1, 2, 3]) {
      const completion = await ask({ tool_choice: "required", seed });
      const [choice] = completion.choices;
      expect(choice?.finish_reason).toBe("tool_calls");
      const calls = choice!.message.tool_calls!;
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.id).toMatch(/^call_/);
        const { name, arguments: args } = functionOf(call);
        expect(["get_weather", "get_time"]).toContain(name);
        assertValid(schemaOf(name), JSON.parse(args));
      }
      expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
    }
  });

  it("a named tool_choice calls exactly that function", async () => {
    const completion = await ask({ tool_choice: { type: "function", function: { name: "get_time" } } });
    const calls = completion.choices[0]!.message.tool_calls!;
    expect(calls).toHaveLength(1);
    expect(functionOf(calls[0]).name).toBe("get_time");
    assertValid(TIME, JSON.parse(functionOf(calls[0]).arguments));
  });

  it("streams delta.tool_calls: index, id and name first, then argument fragments that join into valid JSON", async () => {
    const stream = await sdk.client.chat.completions.create({
      model: "m",
      messages: [question],
      tools: TOOLS,
      tool_choice: { type: "function", function: { name: "get_weather" } },
      max_tokens: 200,
      seed: 3,
      stream: true,
    });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    const finishes: string[] = [];
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(finishes).toEqual(["tool_calls"]);
    expect(deltas[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.slice(1).every((delta) => delta.id === undefined && delta.function?.name === undefined)).toBe(true);
    assertValid(WEATHER, JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join("")));
  });

  it("the SDK's stream helper assembles the streamed call", async () => {
    const runnerStream = sdk.client.chat.completions.stream({ model: "m", messages: [question], tools: TOOLS, tool_choice: "required", max_tokens: 200, seed: 4 });
    const call = functionOf((await runnerStream.finalChatCompletion()).choices[0]!.message.tool_calls![0]);
    assertValid(schemaOf(call.name), JSON.parse(call.arguments));
  });

  it("a tool-result round trip: the resent call re-enters the prompt as its generated tokens, so only the result and template are evaluated", async () => {
    const first = await ask({ tool_choice: { type: "function", function: { name: "get_weather" } }, seed: 9 });
    const call = first.choices[0]!.message.tool_calls![0]!;
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      question,
      first.choices[0]!.message,
      { role: "tool", tool_call_id: call.id, content: JSON.stringify({ temperature: 21, sky: "clear" }) },
    ];
    const second = await sdk.client.chat.completions.create({ model: "m", messages, tools: TOOLS, tool_choice: "none", max_tokens: 8 });
    expect(second.choices[0]?.finish_reason).not.toBe("tool_calls");
    expect(second.choices[0]?.message.tool_calls).toBeUndefined();
    const before = first.usage!;
    // Everything through the generated call came from the cache, its tokens included.
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(before.prompt_tokens + before.completion_tokens - 1);
  });

  it("tool_choice auto: free text unless the model starts its call syntax (the noise model does not)", async () => {
    const completion = await ask({ max_tokens: 16, seed: 2 });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it("refuses tools with chat_id, a tool_choice naming an unknown tool, unanswered calls and unknown tool_call_ids", async () => {
    const attempt = (body: Record<string, unknown>) =>
      fetch(`${sdk.server.url}/v1/chat/completions`, { method: "POST", headers: sdk.server.headers, body: JSON.stringify({ messages: [question], tools: TOOLS, ...body }) });
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ chat_id: "with_tools" }, "tools", /stateless/],
      [{ tool_choice: { type: "function", function: { name: "launch" } } }, "tool_choice", /launch/],
      [{ messages: [question, { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "get_time", arguments: "{}" } }] }, { role: "user", content: "?" }] }, "messages[1].tool_calls", /tool message/],
      [{ messages: [question, { role: "tool", tool_call_id: "nope", content: "1" }] }, "messages[1].tool_call_id", /tool_call_id/],
      [{ messages: [question, { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "get_time", arguments: "{oops" } }] }, { role: "tool", tool_call_id: "c1", content: "1" }] }, "messages[1].tool_calls[0].function.arguments", /JSON/],
      [{ tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { x: { type: "string", format: "email" } } } } }] }, "tools[0].function.parameters", /'format'/],
    ];
    for (const [body, param, message] of cases) {
      const response = await attempt(body);
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect([error.param, error.message]).toEqual([param, expect.stringMatching(message)]);
    }
  });
});
