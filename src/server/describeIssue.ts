import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** What a value should have been, for "must be …". */
const KINDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  null: "null",
};

/** `messages[0].role`: the field's path as a client writes it. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`)).join("");
}

/**
 * The rule a value broke, in words ("must have at most 4 items"), with the path to the value at fault: zod's
 * own messages say "Invalid input" for a union, and name types and limits in its own notation otherwise. The
 * words never repeat the value itself, which may be the user's text.
 */
export function describeIssue(issue: Issue): { path: PropertyKey[]; rule: string } {
  // The schemas' own messages (`.max(n, "must be at most …")`) already say it in words.
  if (issue.message.startsWith("must ")) return { path: [...issue.path], rule: issue.message };
  switch (issue.code) {
    case "invalid_type":
      return {
        path: [...issue.path],
        rule: issue.message.endsWith("received undefined") ? "is required" : `must be ${kind(issue.expected)}`,
      };
    case "too_big":
      return { path: [...issue.path], rule: limit("most", issue.origin, Number(issue.maximum), issue.inclusive !== false) };
    case "too_small":
      if (issue.origin === "string" && Number(issue.minimum) === 1) return { path: [...issue.path], rule: "must not be empty" };
      return { path: [...issue.path], rule: limit("least", issue.origin, Number(issue.minimum), issue.inclusive !== false) };
    case "invalid_value":
      return { path: [...issue.path], rule: `must be ${issue.values.length === 1 ? "" : "one of "}${issue.values.map((value) => JSON.stringify(value)).join(", ")}` };
    case "invalid_union":
      return describeUnion(issue);
    case "unrecognized_keys":
      return { path: [...issue.path], rule: `has unknown fields: ${issue.keys.join(", ")}` };
    case "invalid_format":
      return { path: [...issue.path], rule: issue.format === "regex" && "pattern" in issue ? `must match ${String(issue.pattern)}` : `must be a valid ${issue.format}` };
    default:
      return { path: [...issue.path], rule: issue.message };
  }
}

/**
 * A value that fits none of a union's options. An option whose type the value has explains best what is wrong
 * ("stop" as an array of 5 strings: too many items); with none, the options' types are listed.
 */
function describeUnion(issue: Extract<Issue, { code: "invalid_union" }>): { path: PropertyKey[]; rule: string } {
  const typeOnly = (branch: readonly Issue[]) => branch.length === 1 && branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0;
  const closest = issue.errors.find((branch) => branch.length > 0 && !typeOnly(branch));
  if (closest !== undefined) {
    const inner = describeIssue(closest[0]!);
    return { path: [...issue.path, ...inner.path], rule: inner.rule };
  }
  const expected = issue.errors.flatMap((branch) => branch.map((inner) => (inner.code === "invalid_type" ? kind(inner.expected) : undefined)));
  const kinds = [...new Set(expected.filter((value) => value !== undefined))];
  return { path: [...issue.path], rule: kinds.length === 0 ? "is not valid" : `must be ${kinds.join(" or ")}` };
}

const kind = (expected: string) => KINDS[expected] ?? expected;

function limit(bound: "most" | "least", origin: string, value: number, inclusive: boolean): string {
  switch (origin) {
    case "array":
    case "set":
      return `must have at ${bound} ${value} ${value === 1 ? "item" : "items"}`;
    case "string":
      return `must be at ${bound} ${value} ${value === 1 ? "character" : "characters"} long`;
    default:
      if (inclusive) return `must be at ${bound} ${value}`;
      return `must be ${bound === "most" ? "less" : "greater"} than ${value}`;
  }
}
