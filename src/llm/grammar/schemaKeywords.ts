/**
 * JSON Schema validation keywords the grammar cannot enforce. A schema that uses one is refused: structured
 * output here is always enforced, never only requested (llama.cpp's server once answered such schemas with
 * unconstrained output). Annotations (title, description, default, examples, ...) and unknown keywords do not
 * constrain a value and are accepted.
 */
export const UNENFORCEABLE_KEYWORDS: ReadonlySet<string> = new Set([
  "pattern",
  "format",
  "multipleOf",
  "divisibleBy",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "patternProperties",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "contains",
  "minContains",
  "maxContains",
  "minProperties",
  "maxProperties",
  "additionalItems",
  "$dynamicRef",
  "$recursiveRef",
  "extends",
  "disallow",
]);

/** Keywords that constrain a value in a way the grammar builds in; anything else beside $ref, anyOf or oneOf is refused. */
export const ENFORCED_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "$ref",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
]);

export const JSON_TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"] as const;
export type JsonType = (typeof JSON_TYPES)[number];

/** The types whose keywords a schema without `type` uses (JSON Schema applies each keyword to its own type). */
export function typesFromKeywords(schema: Record<string, unknown>): JsonType[] {
  const types: JsonType[] = [];
  const has = (...keys: string[]) => keys.some((key) => key in schema);
  if (has("properties", "required", "additionalProperties")) types.push("object");
  if (has("items", "prefixItems", "minItems", "maxItems")) types.push("array");
  if (has("minLength", "maxLength")) types.push("string");
  if (has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) types.push("number");
  return types;
}
