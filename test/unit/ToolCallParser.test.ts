import { ChatMLChatWrapper, FunctionaryChatWrapper, GeneralChatWrapper, Llama3_1ChatWrapper, QwenChatWrapper } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { parseToolCalls, ToolCallParser, type ToolCallEvent } from "../../src/llm/tools/ToolCallParser.js";
import { ToolCallSyntax } from "../../src/llm/tools/ToolCallSyntax.js";

const NAMES = ["get_weather", "get_time", "get"];
const qwen = new ToolCallSyntax(new QwenChatWrapper());
const llama31 = new ToolCallSyntax(new Llama3_1ChatWrapper());
const generic = new ToolCallSyntax(new ChatMLChatWrapper());
const functionary = new ToolCallSyntax(new FunctionaryChatWrapper());

const qwenCall = (name: string, args: string) => `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;

describe("tool-call syntax from the chat wrappers", () => {
  it("reads each wrapper's own call syntax", () => {
    expect(qwen.triggers).toEqual(["<tool_call>"]);
    expect(qwen.sectionStart).toBe('<tool_call>\n{"name": "');
    expect(qwen.suffix("f")).toBe("}\n</tool_call>");
    expect(qwen.betweenCalls).toBe("\n");
    // <|im_end|> ends the turn: the model writes it as its end-of-generation token, not as text.
    expect(qwen.sectionSuffix).toBe("");
    expect(llama31.triggers).toEqual(["<function="]);
    expect(llama31.suffix("f")).toBe("</function>");
    expect(llama31.betweenCalls).toBeUndefined();
    expect(generic.triggers).toEqual(["||call:"]);
    expect(generic.afterTrigger("||call:")).toBe(" ");
    expect(new ToolCallSyntax(new GeneralChatWrapper()).prefix).toBe("||call: ");
  });
});

describe("tool-call detection on model text", () => {
  const cases = [
    { syntax: "Qwen", parsed: qwen, call: qwenCall("get_weather", '{"city": "Paris"}') },
    { syntax: "Llama 3.1", parsed: llama31, call: '<function=get_weather>{"city": "Paris"}</function>' },
    { syntax: "generic", parsed: generic, call: '||call: get_weather({"city": "Paris"})' },
  ];

  for (const { syntax, parsed, call } of cases) {
    it(`${syntax}: text before a call is content, the call is read with its arguments as generated`, () => {
      expect(parseToolCalls(`Let me look that up.\n${call}`, parsed, NAMES)).toEqual({
        content: "Let me look that up.\n",
        calls: [{ name: "get_weather", arguments: '{"city": "Paris"}' }],
      });
    });

    it(`${syntax}: a reply without a call is all content`, () => {
      expect(parseToolCalls("It is sunny in Paris.", parsed, NAMES)).toEqual({ content: "It is sunny in Paris.", calls: [] });
    });

    it(`${syntax}: a malformed call (broken arguments, unknown function, text after it, cut short) is left as text`, () => {
      const broken = call.replace('"Paris"}', '"Paris"');
      const unknown = call.replace("get_weather", "launch_rocket");
      for (const text of [broken, unknown, `${call} and then more words`, call.slice(0, -3), `ok ${call.slice(0, call.indexOf("{"))}`]) {
        expect(parseToolCalls(text, parsed, NAMES)).toEqual({ content: text, calls: [] });
      }
    });

    it(`${syntax}: arguments that the validator refuses leave the call as text`, () => {
      const text = `x ${call}`;
      expect(parseToolCalls(text, parsed, NAMES, () => false)).toEqual({ content: text, calls: [] });
    });
  }

  it("Qwen: two parallel calls, the longer of two names that start alike", () => {
    const text = `${qwenCall("get_weather", '{"city": "Paris"}')}\n${qwenCall("get", "{}")}\n`;
    expect(parseToolCalls(text, qwen, NAMES)).toEqual({
      content: "",
      calls: [
        { name: "get_weather", arguments: '{"city": "Paris"}' },
        { name: "get", arguments: "{}" },
      ],
    });
  });

  it("Functionary: two parallel calls", () => {
    const text = '>>>get_weather\n{"city": "Paris"}>>>get_time\n{"zone": "UTC"}';
    expect(parseToolCalls(text, functionary, NAMES).calls).toEqual([
      { name: "get_weather", arguments: '{"city": "Paris"}' },
      { name: "get_time", arguments: '{"zone": "UTC"}' },
    ]);
  });

  it("generic and Llama 3.1: a second call in one reply is not their syntax (they have no parallel calls): text", () => {
    const twice = '||call: get_time({})||call: get_weather({"city": "Rome"})';
    expect(parseToolCalls(twice, generic, NAMES)).toEqual({ content: twice, calls: [] });
    const twiceLlama = "<function=get_time>{}</function><function=get>{}</function>";
    expect(parseToolCalls(twiceLlama, llama31, NAMES)).toEqual({ content: twiceLlama, calls: [] });
  });

  it("accepts a space before the function name where the wrapper allows one", () => {
    expect(parseToolCalls("||call:get_time({})", generic, NAMES).calls).toEqual([{ name: "get_time", arguments: "{}" }]);
    expect(parseToolCalls("<function= get_time>{}</function>", llama31, NAMES).calls).toEqual([{ name: "get_time", arguments: "{}" }]);
  });
});

describe("streamed tool calls", () => {
  const feed = (parser: ToolCallParser, text: string, size: number) => {
    const events: ToolCallEvent[] = [];
    for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
    const end = parser.end();
    return { events: [...events, ...end.events], reply: end.reply };
  };
  const joined = (events: ToolCallEvent[], type: ToolCallEvent["type"]) =>
    events.filter((event) => event.type === type).map((event) => ("text" in event ? event.text : event.name)).join("");

  it("progressively: content, then each call's name before its argument fragments, never the syntax", () => {
    const text = `Checking.${qwenCall("get_weather", '{"city": "Paris", "days": 3}')}\n${qwenCall("get_time", '{"zone": "UTC"}')}`;
    for (const size of [1, 3, 7, 1000]) {
      const { events, reply } = feed(new ToolCallParser(qwen, NAMES, { progressive: true }), text, size);
      expect(joined(events, "content")).toBe("Checking.");
      const calls = events.filter((event) => event.type === "call");
      expect(calls).toEqual([{ type: "call", index: 0, name: "get_weather" }, { type: "call", index: 1, name: "get_time" }]);
      const first = events.findIndex((event) => event.type === "arguments");
      expect(first).toBeGreaterThan(events.indexOf(calls[0]!));
      const argumentsOf = (index: number) =>
        events.filter((event) => event.type === "arguments" && event.index === index).map((event) => (event as { text: string }).text).join("");
      expect(argumentsOf(0)).toBe('{"city": "Paris", "days": 3}');
      expect(argumentsOf(1)).toBe('{"zone": "UTC"}');
      expect(reply.calls).toHaveLength(2);
    }
  });

  it("held: a malformed section is reported once, as text, and nothing of it as a call", () => {
    const text = `Checking. ${qwenCall("get_weather", '{"city": "Paris"')}`;
    for (const size of [1, 5, 1000]) {
      const { events, reply } = feed(new ToolCallParser(qwen, NAMES, { progressive: false }), text, size);
      expect(events.every((event) => event.type === "content")).toBe(true);
      expect(joined(events, "content")).toBe(text);
      expect(reply).toEqual({ content: text, calls: [] });
    }
  });

  it("held: a well-formed section is reported whole at the end", () => {
    const text = `Checking. ${qwenCall("get_time", "{}")}`;
    const { events } = feed(new ToolCallParser(qwen, NAMES, { progressive: false }), text, 2);
    expect(joined(events, "content")).toBe("Checking. ");
    expect(events.slice(-2)).toEqual([
      { type: "call", index: 0, name: "get_time" },
      { type: "arguments", index: 0, text: "{}" },
    ]);
  });
});
