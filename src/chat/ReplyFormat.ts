import type { ChatModelFunctions, GbnfJsonSchema } from "node-llama-cpp";
import { DomainError } from "../errors/DomainError.js";
import { jsonObjectGrammar, jsonSchemaGrammar } from "../llm/grammar/jsonSchemaGrammar.js";
import type { GenerationGrammar, Runner } from "../llm/Runner.js";
import { toolCallGrammar, type ToolDefinition } from "../llm/tools/toolCallGrammar.js";
import { parseToolCalls, ToolCallParser, type ParsedReply, type ToolCall } from "../llm/tools/ToolCallParser.js";
import { ToolCallSyntax } from "../llm/tools/ToolCallSyntax.js";
import { toolArgumentsValidator } from "./toolArgumentsValidator.js";

/** OpenAI's `response_format`, beyond plain text. */
export type ResponseFormat = { type: "json_object" } | { type: "json_schema"; schema: unknown };

/** OpenAI's `tool_choice`: "auto" (the default with tools), "none", "required", or one function by name. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

export interface ToolsRequest {
  tools: readonly ToolDefinition[];
  choice: ToolChoice;
  /** OpenAI's `parallel_tool_calls` (default true). */
  parallel: boolean;
}

/**
 * What a reply must be, resolved once per request against the served model: the grammar that enforces it
 * while it is sampled, the stop texts and tool documentation it adds to the request, and how its text is read
 * back (tool calls in the model's own syntax). Built before the request is admitted, so a schema the grammar
 * cannot enforce is a 400 that never counts against the rate limit.
 */
export class ReplyFormat {
  private constructor(
    readonly grammar: GenerationGrammar | undefined,
    /** Tools as the chat template documents them in the prompt. */
    readonly functions: ChatModelFunctions | undefined,
    /** Extra stop texts (tool_choice "none": the model's call syntax ends the reply, so it is never shown as text). */
    readonly stops: readonly string[],
    private readonly tools: ToolTexts | undefined,
  ) {}

  static text(): ReplyFormat {
    return new ReplyFormat(undefined, undefined, [], undefined);
  }

  static json(format: ResponseFormat): ReplyFormat {
    const gbnf = format.type === "json_object" ? jsonObjectGrammar() : jsonSchemaGrammar(format.schema, "response_format.json_schema.schema");
    return new ReplyFormat({ gbnf }, undefined, [], undefined);
  }

  static tools(runner: Runner, request: ToolsRequest): ReplyFormat {
    const names = request.tools.map((tool) => tool.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new DomainError("invalid_request", `Two tools are named '${duplicate}'.`, { param: "tools" });
    const { choice } = request;
    const offered = typeof choice === "object" ? request.tools.filter((tool) => tool.name === choice.name) : request.tools;
    if (offered.length === 0) {
      throw new DomainError("invalid_request", `tool_choice names '${(choice as { name: string }).name}', which is not in tools.`, { param: "tool_choice" });
    }
    const syntax = new ToolCallSyntax(runner.chatWrapper);
    // Every tool's schema is checked, whatever the choice: one the grammar cannot enforce is refused even when unused.
    const lazy = toolCallGrammar(syntax, request.tools, { parallel: request.parallel, lazy: true });
    const functions = Object.fromEntries(
      request.tools.map((tool) => [
        tool.name,
        { params: tool.parameters as GbnfJsonSchema, ...(tool.description === undefined ? {} : { description: tool.description }) },
      ]),
    );
    // Only "auto" on a runner without lazy grammars leaves calls unconstrained: those are validated once read.
    const enforced = choice !== "auto" || runner.lazyGrammar;
    const texts: ToolTexts = { syntax, names: offered.map((tool) => tool.name), ...(enforced ? {} : { accept: toolArgumentsValidator(request.tools) }) };
    switch (choice) {
      case "none":
        return new ReplyFormat(undefined, functions, syntax.triggers, undefined);
      case "auto":
        return new ReplyFormat(lazy, functions, [], texts);
      case "required":
        return new ReplyFormat(toolCallGrammar(syntax, offered, { parallel: request.parallel, lazy: false }), functions, [], texts);
      default:
        return new ReplyFormat(toolCallGrammar(syntax, offered, { parallel: false, lazy: false }), functions, [], texts);
    }
  }

  /** Whether the reply may hold tool calls (read them with `reader` or `parse`). */
  get callsTools(): boolean {
    return this.tools !== undefined;
  }

  /**
   * A reader of the streamed reply's tool calls: progressive where a grammar enforces them, else each call
   * section is held until it is known to be well formed and its arguments validate.
   */
  reader(): ToolCallParser {
    const tools = this.tools;
    if (tools === undefined) throw new Error("ReplyFormat.reader() on a reply without tools");
    return new ToolCallParser(tools.syntax, tools.names, tools.accept === undefined ? { progressive: true } : { progressive: false, accept: tools.accept });
  }

  /** The whole reply's text and calls. */
  parse(text: string): ParsedReply {
    const tools = this.tools;
    return tools === undefined ? { content: text, calls: [] } : parseToolCalls(text, tools.syntax, tools.names, tools.accept);
  }
}

interface ToolTexts {
  syntax: ToolCallSyntax;
  /** The functions the reply may call. */
  names: readonly string[];
  /** Checks calls no grammar enforced (absent where one did). */
  accept?: (call: ToolCall) => boolean;
}
