import type { GbnfRules } from "./GbnfRules.js";

/**
 * The JSON building blocks every grammar shares. Every piece is bounded where JSON allows it to be (whitespace,
 * digits), so that only the structure the schema asks for can make an output long.
 */

/** Optional whitespace between tokens, as llama.cpp's own JSON grammars allow it: a space or an indented line. */
export const ws = (rules: GbnfRules) => rules.fixed("ws", () => '| " " | "\\n" [ \\t]{0,20}');

/**
 * One character of a JSON string. Raw control characters are not JSON; `\u` escapes of surrogates are left
 * out, so that every grammar character is exactly one code point (what minLength and maxLength count).
 */
export const jsonChar = (rules: GbnfRules) =>
  rules.fixed(
    "char",
    () =>
      '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))',
  );

export function jsonString(rules: GbnfRules, minLength = 0, maxLength?: number): string {
  const char = jsonChar(rules);
  if (minLength === 0 && maxLength === undefined) return rules.fixed("string", () => `"\\"" ${char}* "\\""`);
  const count = maxLength === undefined ? `{${minLength},}` : `{${minLength},${maxLength}}`;
  return rules.add(`string-${minLength}-${maxLength ?? "n"}`, `"\\"" ${char}${count} "\\""`);
}

/**
 * The most digits an integer part may have: 15 keeps every generated integer exact in a double (below 2^53),
 * so what the client parses is what was generated.
 */
export const MAX_DIGITS = 15;
export const MAX_MAGNITUDE = 10 ** MAX_DIGITS - 1;

export const jsonInteger = (rules: GbnfRules) =>
  rules.fixed("integer", () => `"-"? ("0" | [1-9] [0-9]{0,${MAX_DIGITS - 1}})`);

/** A fraction, never an exponent: without one, every number stays below 10^15 in magnitude. */
export const jsonFraction = (rules: GbnfRules) => rules.fixed("fraction", () => `"." [0-9]{1,${MAX_DIGITS}}`);

export const jsonNumber = (rules: GbnfRules) => rules.fixed("number", () => `${jsonInteger(rules)} ${jsonFraction(rules)}?`);

export const jsonBoolean = (rules: GbnfRules) => rules.fixed("boolean", () => '"true" | "false"');

export const jsonNull = (rules: GbnfRules) => rules.fixed("null", () => '"null"');

/** Any JSON value, for schemas that do not constrain one (and for `response_format: json_object`). */
export function jsonValue(rules: GbnfRules): string {
  return rules.fixed("value", () => {
    const object = jsonObject(rules);
    const space = ws(rules);
    const array = rules.fixed("array", () => `"[" ${space} (value (${space} "," ${space} value)*)? ${space} "]"`);
    return `${object} | ${array} | ${jsonString(rules)} | ${jsonNumber(rules)} | ${jsonBoolean(rules)} | ${jsonNull(rules)}`;
  });
}

/** Any JSON object. */
export function jsonObject(rules: GbnfRules): string {
  return rules.fixed("object", () => {
    const space = ws(rules);
    const member = `${jsonString(rules)} ${space} ":" ${space} value`;
    jsonValue(rules);
    return `"{" ${space} (${member} (${space} "," ${space} ${member})*)? ${space} "}"`;
  });
}
