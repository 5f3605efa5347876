import type { JsonType } from "./schemaKeywords.js";

type Resolve = (ref: string) => unknown;

/**
 * Whether no value can match both branches of a `oneOf`, as far as can be told cheaply: they produce
 * different JSON types, or different literal values, or objects whose shared property holds different
 * literal values (a discriminated union). The grammar generates a value of one branch; `oneOf` also needs it
 * to fail every other branch, which only disjoint branches guarantee.
 */
export function distinguishable(a: unknown, b: unknown, resolve: Resolve): boolean {
  const left = deref(a, resolve);
  const right = deref(b, resolve);
  const kindsLeft = kinds(left, resolve, 0);
  const kindsRight = kinds(right, resolve, 0);
  if (kindsLeft !== undefined && kindsRight !== undefined && ![...kindsLeft].some((kind) => kindsRight.has(kind))) return true;
  const literalsLeft = literalsOf(left);
  const literalsRight = literalsOf(right);
  if (literalsLeft !== undefined && literalsRight !== undefined) return disjoint(literalsLeft, literalsRight);
  return discriminated(left, right, resolve);
}

function deref(schema: unknown, resolve: Resolve, depth = 0): unknown {
  if (depth < 16 && isRecord(schema) && typeof schema["$ref"] === "string") return deref(resolve(schema["$ref"]), resolve, depth + 1);
  return schema;
}

/** The JSON types a schema's values can have ("integer" counted as "number"); undefined: any. */
function kinds(schema: unknown, resolve: Resolve, depth: number): Set<string> | undefined {
  if (depth > 16 || !isRecord(schema)) return undefined;
  const literals = literalsOf(schema);
  if (literals !== undefined) return new Set([...literals].map((text) => kindOf(JSON.parse(text))));
  for (const combinator of ["anyOf", "oneOf"]) {
    const branches = schema[combinator];
    if (Array.isArray(branches)) {
      const all = new Set<string>();
      for (const branch of branches) {
        const found = kinds(deref(branch, resolve), resolve, depth + 1);
        if (found === undefined) return undefined;
        for (const kind of found) all.add(kind);
      }
      return all;
    }
  }
  const type = schema["type"];
  if (type === undefined) return undefined;
  const types = (Array.isArray(type) ? type : [type]) as JsonType[];
  return new Set(types.map((name) => (name === "integer" ? "number" : name)));
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The values of an enum or const schema, as JSON text. */
function literalsOf(schema: unknown): Set<string> | undefined {
  if (!isRecord(schema)) return undefined;
  if ("const" in schema) return new Set([JSON.stringify(schema["const"])]);
  if (Array.isArray(schema["enum"])) return new Set(schema["enum"].map((value) => JSON.stringify(value)));
  return undefined;
}

/** Both are objects declaring a property whose literal values differ between them (the grammar always writes it). */
function discriminated(a: unknown, b: unknown, resolve: Resolve): boolean {
  const propertiesA = isRecord(a) && isRecord(a["properties"]) ? a["properties"] : undefined;
  const propertiesB = isRecord(b) && isRecord(b["properties"]) ? b["properties"] : undefined;
  if (propertiesA === undefined || propertiesB === undefined) return false;
  const requiredA = isRecord(a) && Array.isArray(a["required"]) ? (a["required"] as unknown[]) : [];
  return Object.keys(propertiesA).some((name) => {
    // Only a required property is certain to be in the value generated for `a`.
    if (!requiredA.includes(name) || !(name in propertiesB)) return false;
    const left = literalsOf(deref(propertiesA[name], resolve));
    const right = literalsOf(deref(propertiesB[name], resolve));
    return left !== undefined && right !== undefined && disjoint(left, right);
  });
}

function disjoint(a: Set<string>, b: Set<string>): boolean {
  return ![...a].some((value) => b.has(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
