import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/errors/DomainError.js";
import { integerRange } from "../../src/llm/grammar/integerRange.js";
import { jsonSchemaGrammar } from "../../src/llm/grammar/jsonSchemaGrammar.js";

/** A GBNF expression of literals, character classes, repetitions and groups as a JavaScript regular expression. */
function toRegExp(expression: string): RegExp {
  const source = expression
    .replace(/"([^"]*)"/g, (_, text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .replace(/\s+/g, "");
  return new RegExp(`^(?:${source})$`);
}

describe("integer ranges", () => {
  it("match exactly the integers in the range, without leading zeros", () => {
    const ranges: Array<[number, number]> = [[0, 0], [0, 9], [1, 10], [5, 23], [-5, 120], [-120, -7], [17, 1234], [100, 199], [99, 1001], [-1, 1], [3, 3]];
    for (const [low, high] of ranges) {
      const pattern = toRegExp(integerRange(low, high));
      for (let value = low - 60; value <= high + 60; value++) {
        expect([value, pattern.test(String(value))]).toEqual([value, value >= low && value <= high]);
      }
      expect(pattern.test(`0${Math.abs(high)}`)).toBe(false);
    }
  });
});

describe("JSON schemas the grammar cannot enforce", () => {
  const refusal = (schema: unknown) => {
    try {
      jsonSchemaGrammar(schema, "response_format.json_schema.schema");
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).kind).toBe("invalid_request");
      expect((error as DomainError).param).toBe("response_format.json_schema.schema");
      return (error as DomainError).message;
    }
    throw new Error(`accepted ${JSON.stringify(schema)}`);
  };

  it("are refused naming the keyword and where it is", () => {
    expect(refusal({ type: "object", properties: { code: { type: "string", pattern: "^[A-Z]+$" } } })).toMatch(/'#\/properties\/code' uses 'pattern'/);
    expect(refusal({ type: "array", items: { type: "string", format: "email" } })).toMatch(/'#\/items' uses 'format'/);
    expect(refusal({ allOf: [{ type: "string" }] })).toMatch(/'#' uses 'allOf'/);
    expect(refusal({ type: "array", uniqueItems: true })).toMatch(/uses 'uniqueItems'/);
    expect(refusal({ type: "number", minimum: 0.5 })).toMatch(/'minimum'/);
    expect(refusal({ type: "number", multipleOf: 2 })).toMatch(/'multipleOf'/);
    expect(refusal({ oneOf: [{ type: "integer" }, { type: "number" }] })).toMatch(/'#\/oneOf' has branches 0 and 1/);
    expect(refusal({ $ref: "https://example.com/schema.json" })).toMatch(/only local references/);
    expect(refusal({ type: "object", properties: { a: { $ref: "#/$defs/missing" } } })).toMatch(/'#\/properties\/a\/\$ref'/);
    expect(refusal({ type: "string", minLength: 3, enum: ["abc"] })).toMatch(/combines 'enum' with 'minLength'/);
    expect(refusal({ type: "object", required: ["x"], additionalProperties: false })).toMatch(/requires 'x'/);
    expect(refusal(false)).toMatch(/is `false`/);
  });

  it("accepts annotations, unknown keywords, definitions and the forms zod and OpenAI's strict mode write", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "Answer",
      description: "x",
      "x-vendor": true,
      type: "object",
      properties: {
        kind: { type: "string", enum: ["a", "b"], description: "which" },
        count: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 },
        ratio: { type: "number", minimum: 0, maximum: 1 },
        note: { anyOf: [{ type: "string", maxLength: 10 }, { type: "null" }] },
        tree: { $ref: "#/definitions/node" },
        either: { oneOf: [{ type: "object", properties: { t: { const: 1 } }, required: ["t"] }, { type: "object", properties: { t: { const: 2 } }, required: ["t"] }] },
      },
      required: ["kind", "count", "ratio", "note", "tree", "either"],
      additionalProperties: false,
      definitions: { node: { type: "object", properties: { child: { anyOf: [{ $ref: "#/definitions/node" }, { type: "null" }] } }, required: ["child"] } },
    };
    expect(jsonSchemaGrammar(schema, "p")).toMatch(/^root ::= /);
  });
});
