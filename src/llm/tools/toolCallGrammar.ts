import { alternatives, GbnfRules, literal } from "../grammar/GbnfRules.js";
import { SchemaCompiler, type Schema } from "../grammar/SchemaCompiler.js";
import type { GenerationGrammar } from "../Runner.js";
import type { ToolCallSyntax } from "./ToolCallSyntax.js";

/** A function the model may call: OpenAI's `tools[].function`. */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  /** JSON Schema of the arguments object. */
  parameters: Schema;
}

export interface ToolCallGrammarOptions {
  /** Several calls in one reply, where the wrapper has a syntax for it. */
  parallel: boolean;
  /**
   * true: free text until the model starts a call (tool_choice "auto"), then the call is constrained.
   * false: the reply is a call from its first token (tool_choice "required" or a named function).
   */
  lazy: boolean;
}

/**
 * The grammar of a reply that calls tools in the model's own syntax: each call's name is one of the tools and
 * its arguments validate against that tool's parameters schema. A schema the grammar cannot enforce is refused
 * (naming `tools[i].function.parameters`).
 */
export function toolCallGrammar(syntax: ToolCallSyntax, tools: readonly ToolDefinition[], options: ToolCallGrammarOptions): GenerationGrammar {
  const rules = new GbnfRules();
  const bodies = tools.map((tool, index) => {
    const parameters = new SchemaCompiler(rules, tool.parameters, `tools[${index}].function.parameters`).compileRoot();
    return [literal(tool.name), literal(syntax.paramsPrefix(tool.name)), parameters, literal(syntax.suffix(tool.name))]
      .filter((part) => part !== '""')
      .join(" ");
  });
  const call = rules.add("call", alternatives(bodies));
  const more = options.parallel && syntax.betweenCalls !== undefined ? ` (${literal(syntax.betweenCalls + syntax.prefix)} ${call})*` : "";
  const end = syntax.sectionSuffix === "" ? "" : ` ${literal(syntax.sectionSuffix)}`;
  if (!options.lazy) return { gbnf: rules.render(`${literal(syntax.sectionStart)} ${call}${more}${end}`) };
  // What the canonical section start still holds after whichever trigger fired (nothing, for some).
  const afters = [...new Set(syntax.triggers.map((trigger) => syntax.afterTrigger(trigger)))];
  const rests = afters.filter((after) => after !== "");
  const start = rests.length === 0 ? "" : `${alternatives(rests.map(literal))}${rests.length < afters.length ? "?" : ""} `;
  return { gbnf: rules.render(`${start}${call}${more}${end}`), triggers: syntax.triggers };
}
