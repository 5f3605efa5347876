import { DomainError } from "../../errors/DomainError.js";
import { arrayRule, objectRule } from "./containerRules.js";
import { alternatives, literal, type GbnfRules } from "./GbnfRules.js";
import { jsonBoolean, jsonNull, jsonString, jsonValue } from "./jsonRules.js";
import { numberRule } from "./numberRule.js";
import { isObject, type SchemaContext } from "./SchemaContext.js";
import { distinguishable } from "./oneOfBranches.js";
import { ENFORCED_KEYWORDS, JSON_TYPES, typesFromKeywords, UNENFORCEABLE_KEYWORDS, type JsonType } from "./schemaKeywords.js";

export type Schema = Record<string, unknown> | boolean;

// Deeper than any schema written by hand or by zod; a guard against stack exhaustion, not a feature limit.
const MAX_DEPTH = 64;

/**
 * Turns a JSON Schema into GBNF rules whose every output validates against it. What the grammar cannot
 * enforce is refused with an invalid_request that names the keyword and where it is (a JSON pointer), so a
 * schema is either enforced whole or not accepted at all.
 */
export class SchemaCompiler implements SchemaContext {
  private readonly refs = new Map<string, string>();
  private depth = 0;

  constructor(
    readonly rules: GbnfRules,
    private readonly root: Schema,
    /** The request field the schema came from, for errors. */
    private readonly param: string,
  ) {}

  compileRoot(): string {
    return this.compile(this.root, "");
  }

  /** A GBNF expression for the values `schema` accepts; `path` is its JSON pointer in the root schema. */
  compile(schema: unknown, path: string): string {
    if (++this.depth > MAX_DEPTH) this.refuse(path, `is nested more than ${MAX_DEPTH} levels deep`);
    try {
      return this.compileSchema(schema, path);
    } finally {
      this.depth -= 1;
    }
  }

  private compileSchema(schema: unknown, path: string): string {
    if (schema === true) return jsonValue(this.rules);
    if (schema === false) this.refuse(path, "is `false`: no value satisfies it");
    if (!isObject(schema)) this.refuse(path, "is not a JSON Schema (an object or a boolean)");
    for (const key of Object.keys(schema)) {
      if (UNENFORCEABLE_KEYWORDS.has(key)) this.refuseKeyword(path, key);
    }
    if (schema["uniqueItems"] === true) this.refuseKeyword(path, "uniqueItems");
    if ("$ref" in schema) {
      this.onlyBeside(schema, path, "$ref", []);
      return this.reference(schema["$ref"], `${path}/$ref`);
    }
    for (const combinator of ["anyOf", "oneOf"] as const) {
      if (combinator in schema) return this.union(schema, combinator, path);
    }
    if ("enum" in schema || "const" in schema) return this.literals(schema, path);
    const types = this.typesOf(schema, path);
    if (types.length === 0) return jsonValue(this.rules);
    return alternatives(types.map((type) => this.typed(type, schema, path)));
  }

  private typed(type: JsonType, schema: Record<string, unknown>, path: string): string {
    switch (type) {
      case "string":
        return jsonString(this.rules, this.count(schema, "minLength", path) ?? 0, this.count(schema, "maxLength", path));
      case "integer":
      case "number": {
        const bounds = {
          minimum: this.number(schema, "minimum", path),
          maximum: this.number(schema, "maximum", path),
          exclusiveMinimum: this.number(schema, "exclusiveMinimum", path),
          exclusiveMaximum: this.number(schema, "exclusiveMaximum", path),
        };
        const rule = numberRule(this.rules, type === "integer", bounds);
        if (rule === undefined) {
          const keyword = Object.entries(bounds).find(([, value]) => value !== undefined)?.[0] ?? "minimum";
          this.refuse(path, `uses '${keyword}' with bounds the grammar cannot enforce for ${type === "integer" ? "integers" : "numbers"} (numbers with a fraction take only integer bounds from 0 up)`);
        }
        return rule;
      }
      case "boolean":
        return jsonBoolean(this.rules);
      case "null":
        return jsonNull(this.rules);
      case "object":
        return objectRule(this, schema, path);
      case "array":
        return arrayRule(this, schema, path);
      default:
        return type satisfies never;
    }
  }

  private typesOf(schema: Record<string, unknown>, path: string): JsonType[] {
    const declared = schema["type"];
    if (declared === undefined) return typesFromKeywords(schema);
    const list = Array.isArray(declared) ? declared : [declared];
    if (list.length === 0 || !list.every((type): type is JsonType => (JSON_TYPES as readonly unknown[]).includes(type))) {
      this.refuse(`${path}/type`, `must be one of ${JSON_TYPES.join(", ")} or an array of them`);
    }
    // "integer" is a kind of "number": listing both generates numbers only.
    return list.includes("number") ? list.filter((type) => type !== "integer") : list;
  }

  private literals(schema: Record<string, unknown>, path: string): string {
    this.onlyBeside(schema, path, "const" in schema ? "const" : "enum", ["type", "enum", "const"]);
    const values = "const" in schema ? [schema["const"]] : schema["enum"];
    if (!Array.isArray(values) || values.length === 0) this.refuse(`${path}/enum`, "must be a non-empty array");
    const types = schema["type"] === undefined ? undefined : this.typesOf(schema, path);
    const allowed = values.filter((value) => (types === undefined ? true : types.some((type) => hasType(value, type))));
    if (allowed.length === 0) this.refuse(path, "allows no value: none of its enum/const values has its type");
    return alternatives([...new Set(allowed.map((value) => JSON.stringify(value)))].map(literal));
  }

  private union(schema: Record<string, unknown>, combinator: "anyOf" | "oneOf", path: string): string {
    this.onlyBeside(schema, path, combinator, []);
    const branches = schema[combinator];
    if (!Array.isArray(branches) || branches.length === 0) this.refuse(`${path}/${combinator}`, "must be a non-empty array");
    if (combinator === "oneOf") {
      for (let i = 0; i < branches.length; i++) {
        for (let j = i + 1; j < branches.length; j++) {
          if (!distinguishable(branches[i], branches[j], (ref) => this.resolve(ref))) {
            this.refuse(`${path}/oneOf`, `has branches ${i} and ${j} that can match the same value (oneOf needs exactly one to match; anyOf would do)`);
          }
        }
      }
    }
    return alternatives(branches.map((branch, index) => this.compile(branch, `${path}/${combinator}/${index}`)));
  }

  /** A rule per referenced location, so that recursive schemas become recursive rules. */
  private reference(ref: unknown, path: string): string {
    if (typeof ref !== "string") this.refuse(path, "must be a string");
    const known = this.refs.get(ref);
    if (known !== undefined) return known;
    const target = this.resolve(ref);
    if (target === undefined) this.refuse(path, `'${ref}' does not point into this schema (only local references, '#...', are supported)`);
    const name = this.rules.reserve(`ref-${ref.split("/").at(-1) ?? "root"}`);
    this.refs.set(ref, name);
    this.rules.define(name, this.compile(target, ref.slice(1)));
    return name;
  }

  /** The subschema a local reference (`#`, `#/$defs/x`, `#/definitions/x`, any JSON pointer) points at. */
  resolve(ref: string): unknown {
    if (!ref.startsWith("#")) return undefined;
    const pointer = decodeURIComponent(ref.slice(1));
    if (pointer === "") return this.root;
    if (!pointer.startsWith("/")) return undefined;
    let node: unknown = this.root;
    for (const part of pointer.slice(1).split("/")) {
      const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
      if (!isObject(node) && !Array.isArray(node)) return undefined;
      node = (node as Record<string, unknown>)[key];
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** A non-negative integer keyword, or undefined when absent. */
  count(schema: Record<string, unknown>, keyword: string, path: string): number | undefined {
    const value = schema[keyword];
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value) || (value as number) < 0) this.refuse(`${path}/${keyword}`, "must be a non-negative integer");
    return value as number;
  }

  private number(schema: Record<string, unknown>, keyword: string, path: string): number | undefined {
    const value = schema[keyword];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) this.refuse(`${path}/${keyword}`, "must be a number");
    return value;
  }

  /** Refuses keywords beside `keyword` that would constrain the value further (annotations are fine). */
  private onlyBeside(schema: Record<string, unknown>, path: string, keyword: string, allowed: readonly string[]): void {
    const extra = Object.keys(schema).find((key) => key !== keyword && ENFORCED_KEYWORDS.has(key) && !allowed.includes(key));
    if (extra !== undefined) this.refuse(path, `combines '${keyword}' with '${extra}', which the grammar cannot enforce together`);
  }

  refuseKeyword(path: string, keyword: string): never {
    this.refuse(path, `uses '${keyword}', which the grammar cannot enforce`);
  }

  refuse(path: string, problem: string): never {
    throw new DomainError(
      "invalid_request",
      `The JSON schema at '#${path}' ${problem}. Output is always constrained to the schema by a grammar, so a schema it cannot enforce is refused rather than only asked for; remove that part or describe it in the prompt.`,
      { param: this.param },
    );
  }
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    default:
      return type satisfies never;
  }
}
