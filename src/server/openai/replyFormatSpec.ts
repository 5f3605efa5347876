import type { ResponseFormat, ToolChoice, ToolsRequest } from "../../chat/ReplyFormat.js";
import { DomainError } from "../../errors/DomainError.js";
import type { ChatCompletionRequest } from "../schemas/chatCompletionRequestSchema.js";

export interface ReplyFormatSpec {
  responseFormat?: ResponseFormat | undefined;
  tools?: ToolsRequest | undefined;
}

/**
 * What the request asks the reply to be (`response_format`, `tools`), refusing the combinations a grammar
 * cannot keep: tools on a stored chat, tools with a response format, and stop strings or ignore_eos under a
 * grammar (a stop string could cut the JSON short of valid; a grammar that is complete allows only the end).
 */
export function replyFormatSpec(body: ChatCompletionRequest, chatId: string | undefined): ReplyFormatSpec {
  const tools = body.tools ?? [];
  const choice = toolChoice(body.tool_choice);
  const format = body.response_format;
  const responseFormat: ResponseFormat | undefined =
    format === undefined || format === null || format.type === "text"
      ? undefined
      : format.type === "json_object"
        ? { type: "json_object" }
        : { type: "json_schema", schema: format.json_schema.schema ?? true };
  if (tools.length === 0) {
    if (choice !== "auto" && choice !== "none") {
      throw new DomainError("invalid_request", "tool_choice asks for a tool call, but the request has no tools.", { param: "tool_choice" });
    }
    refuseUnderGrammar(body, responseFormat !== undefined);
    return { responseFormat };
  }
  if (chatId !== undefined) {
    throw new DomainError(
      "invalid_request",
      "tools are for stateless requests: a stored chat (chat_id) keeps text turns only. Send the whole conversation without chat_id.",
      { param: "tools" },
    );
  }
  if (responseFormat !== undefined) {
    throw new DomainError("invalid_request", "response_format cannot be combined with tools.", { param: "response_format" });
  }
  refuseUnderGrammar(body, choice !== "none");
  return {
    tools: {
      tools: tools.map(({ function: tool }) => ({
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters ?? { type: "object", properties: {} },
      })),
      choice,
      parallel: body.parallel_tool_calls ?? true,
    },
  };
}

function toolChoice(choice: ChatCompletionRequest["tool_choice"]): ToolChoice {
  if (choice === undefined || choice === null) return "auto";
  return typeof choice === "string" ? choice : { name: choice.function.name };
}

function refuseUnderGrammar(body: ChatCompletionRequest, grammar: boolean): void {
  if (!grammar) return;
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  if (stop.length > 0) {
    throw new DomainError("invalid_request", "stop cannot be combined with response_format or tool calls: a stop string could cut the structured output short.", { param: "stop" });
  }
  if (body.ignore_eos === true) {
    throw new DomainError("invalid_request", "ignore_eos cannot be combined with response_format or tool calls: structured output ends when it is complete.", { param: "ignore_eos" });
  }
}
