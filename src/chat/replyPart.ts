import type { ParsedReply } from "../llm/tools/ToolCallParser.js";
import type { ResponseEntry } from "../llm/responseParts.js";

/** A parsed reply as the model-response part a client resends it as: its text, then its calls. */
export function replyPart(reply: ParsedReply): ResponseEntry[] {
  return [
    ...(reply.content === "" ? [] : [reply.content]),
    ...reply.calls.map((call, index): ResponseEntry => ({
      type: "functionCall",
      name: call.name,
      params: JSON.parse(call.arguments),
      result: undefined,
      ...(index === 0 ? { startsNewChunk: true } : {}),
    })),
  ];
}
