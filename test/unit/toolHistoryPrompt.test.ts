import { ChatMLChatWrapper, Llama3_1ChatWrapper, QwenChatWrapper, type ChatHistoryItem, type ChatWrapper, type Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { buildConversationPrompt } from "../../src/llm/buildPrompt.js";
import { isLlamaText } from "node-llama-cpp";
import { promptText } from "../../src/llm/promptText.js";
import { toConversation } from "../../src/server/openai/toConversation.js";
import type { SupportedMessage } from "../../src/server/openai/rejectUnsupported.js";

const runnerWith = (chatWrapper: ChatWrapper) => ({ chatWrapper, countTokens: () => 1, contextSize: 100_000, modelFingerprint: "f" });
const textOf = (items: readonly ChatHistoryItem[], wrapper: ChatWrapper) =>
  promptText(buildConversationPrompt(runnerWith(wrapper), items, 10).prompt.text, (token) => `<${token}>`);

const messages = [
  { role: "user", content: "Weather in Rome?" },
  { role: "assistant", content: "Checking.", tool_calls: [{ id: "a", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
  { role: "tool", tool_call_id: "a", content: '{"temperature": 30}' },
] as SupportedMessage[];

describe("tool calls in the conversation, rendered by the chat wrapper", () => {
  it("in each wrapper's own syntax, the model's response continuing after the results", () => {
    const items = toConversation(messages);
    expect(textOf(items, new QwenChatWrapper())).toContain(
      'Checking.<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{"temperature": 30}\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
    expect(textOf(items, new Llama3_1ChatWrapper({ todayDate: null, cuttingKnowledgeDate: null }))).toMatch(
      /Checking\.<function=get_weather>\{"city": "Rome"\}<\/function><\|eom_id\|>\n<\|start_header_id\|>ipython<\|end_header_id\|>\n\n\{"temperature": 30\}<\|eot_id\|><\|start_header_id\|>assistant<\|end_header_id\|>\n\n$/,
    );
    expect(textOf(items, new ChatMLChatWrapper())).toMatch(/Checking\.\|\|call: get_weather\(\{"city": "Rome"\}\)\n\|\|result: \{"temperature": 30\}\n$/);
  });

  it("a recalled reply with calls becomes its generated tokens, from its text to its last call; the results stay rendered", () => {
    const items = toConversation(messages);
    const tokens = [7, 8, 9] as Token[];
    const built = buildConversationPrompt(runnerWith(new QwenChatWrapper()), items, 10, (context, part) => {
      expect(context).toEqual(items.slice(0, 1));
      expect(part[0]).toBe("Checking.");
      return { text: "GENERATED", tokens };
    });
    const segments = built.prompt.segments;
    const known = segments.findIndex((segment) => !isLlamaText(segment));
    expect(segments[known]).toEqual({ text: "GENERATED", tokens });
    const after = promptText(segments[known + 1] as never, (token) => `<${token}>`);
    expect(after.startsWith("<|im_end|>\n<|im_start|>user\n<tool_response>")).toBe(true);
    const before = promptText(segments[known - 1] as never, (token) => `<${token}>`);
    expect(before.endsWith("<|im_start|>assistant\n")).toBe(true);
    expect(promptText(built.prompt.text, (token) => `<${token}>`)).toContain("assistant\nGENERATED<|im_end|>");
  });
});
