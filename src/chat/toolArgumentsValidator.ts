import { Ajv2020 } from "ajv/dist/2020.js";
import type { ToolDefinition } from "../llm/tools/toolCallGrammar.js";
import type { ToolCall } from "../llm/tools/ToolCallParser.js";

/**
 * Checks tool calls that no grammar constrained (tool_choice "auto" on a runner without lazy grammars): a call
 * whose arguments do not validate against its tool's parameters is not a call, and its text stays text.
 */
export function toolArgumentsValidator(tools: readonly ToolDefinition[]): (call: ToolCall) => boolean {
  const ajv = new Ajv2020({ strict: false });
  const validators = new Map(
    tools.map((tool) => {
      // The dialect marker names a meta-schema ajv may not hold; the keywords are what is checked.
      const { $schema: _dialect, ...schema } = typeof tool.parameters === "object" ? tool.parameters : {};
      return [tool.name, ajv.compile(typeof tool.parameters === "boolean" ? tool.parameters : schema)] as const;
    }),
  );
  return (call) => {
    const validate = validators.get(call.name);
    try {
      return validate !== undefined && validate(JSON.parse(call.arguments)) === true;
    } catch {
      return false;
    }
  };
}
