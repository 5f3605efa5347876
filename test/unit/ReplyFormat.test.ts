import { ChatMLChatWrapper } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { ReplyFormat, type ToolsRequest } from "../../src/chat/ReplyFormat.js";
import type { Runner } from "../../src/llm/Runner.js";

const runner = (lazyGrammar: boolean) => ({ chatWrapper: new ChatMLChatWrapper(), lazyGrammar }) as unknown as Runner;
const tools: ToolsRequest = {
  tools: [{ name: "get_weather", parameters: { type: "object", properties: { city: { enum: ["Paris", "Rome"] } }, required: ["city"] } }],
  choice: "auto",
  parallel: true,
};

describe("ReplyFormat for tools", () => {
  it("auto on a runner with lazy grammars: constrained from the call syntax on, read progressively", () => {
    const format = ReplyFormat.tools(runner(true), tools);
    expect(format.grammar?.triggers).toEqual(["||call:"]);
    const reader = format.reader();
    expect(reader.push('||call: get_weather({"ci')).toEqual([
      { type: "call", index: 0, name: "get_weather" },
      { type: "arguments", index: 0, text: '{"ci' },
    ]);
  });

  it("auto without lazy grammars: calls whose arguments do not validate against the tool's schema stay text", () => {
    const format = ReplyFormat.tools(runner(false), tools);
    expect(format.parse('||call: get_weather({"city": "Paris"})').calls).toEqual([{ name: "get_weather", arguments: '{"city": "Paris"}' }]);
    for (const text of ['||call: get_weather({"city": "Berlin"})', "||call: get_weather({})"]) {
      expect(format.parse(text)).toEqual({ content: text, calls: [] });
    }
    // Held until it is known to be valid: nothing of a call comes out before the reply ends.
    expect(format.reader().push('||call: get_weather({"city": "Paris"})')).toEqual([]);
  });

  it("none: no grammar, the tools documented, and the call syntax ends the reply", () => {
    const format = ReplyFormat.tools(runner(true), { ...tools, choice: "none" });
    expect(format.grammar).toBeUndefined();
    expect(format.stops).toEqual(["||call:"]);
    expect(Object.keys(format.functions ?? {})).toEqual(["get_weather"]);
    expect(format.callsTools).toBe(false);
  });

  it("required and named: constrained from the first token, on every runner", () => {
    for (const choice of ["required", { name: "get_weather" }] as const) {
      const format = ReplyFormat.tools(runner(false), { ...tools, choice });
      expect(format.grammar?.triggers).toBeUndefined();
      expect(format.grammar?.gbnf).toMatch(/^root ::= "\|\|call: " call/);
    }
  });
});
