import { GbnfRules } from "./GbnfRules.js";
import { jsonObject } from "./jsonRules.js";
import { SchemaCompiler, type Schema } from "./SchemaCompiler.js";

/**
 * A GBNF grammar whose every output is JSON that validates against `schema`; refuses (invalid_request, naming
 * `param` and the keyword) a schema it cannot enforce. The same text serves both runners: node-llama-cpp's
 * `llama.createGrammar` and llama-completion's `--grammar-file`.
 */
export function jsonSchemaGrammar(schema: unknown, param: string): string {
  const rules = new GbnfRules();
  return rules.render(new SchemaCompiler(rules, schema as Schema, param).compileRoot());
}

/** Any JSON object (`response_format: {"type": "json_object"}`). */
export function jsonObjectGrammar(): string {
  const rules = new GbnfRules();
  return rules.render(jsonObject(rules));
}
