import type { GbnfRules } from "./GbnfRules.js";

/** What the rules for one kind of value (objects, arrays) need from the schema compiler. */
export interface SchemaContext {
  readonly rules: GbnfRules;
  /** A GBNF expression for the values `schema` accepts; `path` is its JSON pointer in the root schema. */
  compile(schema: unknown, path: string): string;
  /** A non-negative integer keyword, or undefined when absent. */
  count(schema: Record<string, unknown>, keyword: string, path: string): number | undefined;
  refuse(path: string, problem: string): never;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
