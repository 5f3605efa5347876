import { literal } from "./GbnfRules.js";
import { jsonString, ws } from "./jsonRules.js";
import { isObject, type SchemaContext } from "./SchemaContext.js";

/**
 * Objects: the declared properties in the schema's order, each required one always and each optional one
 * optionally, and nothing else (extra properties are allowed by most schemas but never needed to validate).
 * With no declared properties but an `additionalProperties` schema, a map of such values.
 */
export function objectRule(compiler: SchemaContext, schema: Record<string, unknown>, path: string): string {
  const { rules } = compiler;
  const space = ws(rules);
  const properties = schema["properties"] ?? {};
  if (!isObject(properties)) compiler.refuse(`${path}/properties`, "must be an object");
  const required = schema["required"] ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) {
    compiler.refuse(`${path}/required`, "must be an array of strings");
  }
  const additional = schema["additionalProperties"];

  const fields: Array<{ name: string; value: string; required: boolean }> = Object.entries(properties).map(([name, value]) => ({
    name,
    value: compiler.compile(value, `${path}/properties/${escapePointer(name)}`),
    required: required.includes(name),
  }));
  for (const name of required) {
    if (name in properties) continue;
    if (additional === false) compiler.refuse(`${path}/required`, `requires '${name}', which additionalProperties: false forbids`);
    fields.push({ name, value: compiler.compile(additional ?? true, `${path}/additionalProperties`), required: true });
  }

  if (fields.length === 0) {
    if (!isObject(additional)) return rules.fixed("empty-object", () => `"{" ${space} "}"`);
    const value = compiler.compile(additional, `${path}/additionalProperties`);
    const member = `${jsonString(rules)} ${space} ":" ${space} ${value}`;
    return rules.add("map", `"{" ${space} (${member} (${space} "," ${space} ${member})*)? ${space} "}"`);
  }

  const member = (index: number) => {
    const field = fields[index]!;
    return rules.add(`kv-${field.name}`, `${literal(JSON.stringify(field.name))} ${space} ":" ${space} ${field.value}`);
  };
  // rest(i): fields i.. after one has been written, each with its comma; first(i): the first field written.
  const rest: string[] = [];
  const first: string[] = [];
  for (let index = fields.length - 1; index >= 0; index--) {
    const after = rest[index + 1] === undefined ? "" : ` ${rest[index + 1]}`;
    const withComma = `${space} "," ${space} ${member(index)}`;
    rest[index] = rules.add(`rest-${fields[index]!.name}`, fields[index]!.required ? `${withComma}${after}` : `(${withComma})?${after}`);
    const written = `${member(index)}${after}`;
    const skipped = first[index + 1];
    first[index] = rules.add(
      `first-${fields[index]!.name}`,
      fields[index]!.required || skipped === undefined ? written : `${written} | ${skipped}`,
    );
  }
  // first-0 always writes a field; with every field optional, writing none is fine too.
  const allOptional = fields.every((field) => !field.required);
  return rules.add("object", `"{" ${space} ${first[0]}${allOptional ? "?" : ""} ${space} "}"`);
}

/** Arrays: `prefixItems` in order, then `items` between minItems and maxItems. */
export function arrayRule(compiler: SchemaContext, schema: Record<string, unknown>, path: string): string {
  const { rules } = compiler;
  const space = ws(rules);
  // Draft 7's tuple form, `items: [...]`, is 2020-12's prefixItems.
  const tuple = Array.isArray(schema["items"]) ? (schema["items"] as unknown[]) : undefined;
  const prefix = tuple ?? schema["prefixItems"] ?? [];
  if (!Array.isArray(prefix)) compiler.refuse(`${path}/prefixItems`, "must be an array");
  const items = tuple === undefined ? schema["items"] : undefined;
  const minItems = compiler.count(schema, "minItems", path) ?? 0;
  const maxItems = compiler.count(schema, "maxItems", path);
  if (maxItems !== undefined && maxItems < Math.max(minItems, prefix.length)) {
    compiler.refuse(path, `has maxItems ${maxItems}, below minItems or the ${prefix.length} prefixItems it always generates`);
  }
  const elements = prefix.map((item, index) => compiler.compile(item, `${path}/prefixItems/${index}`));
  const extraMin = Math.max(0, minItems - prefix.length);
  const extraMax = maxItems === undefined ? undefined : maxItems - prefix.length;
  // Without an items schema nothing more is needed unless minItems asks for it; `items: false` allows nothing more.
  const item = items === false ? undefined : items === undefined && extraMin === 0 ? undefined : compiler.compile(items ?? true, `${path}/items`);
  if (item === undefined && extraMin > 0) compiler.refuse(path, "requires more items than items: false allows");

  const parts = elements.map((element, index) => (index === 0 ? element : `${space} "," ${space} ${element}`));
  if (item !== undefined && extraMax !== 0) {
    if (parts.length > 0) {
      parts.push(repeat(`(${space} "," ${space} ${item})`, extraMin, extraMax));
    } else if (extraMin === 0) {
      parts.push(`(${item} ${repeat(`(${space} "," ${space} ${item})`, 0, extraMax === undefined ? undefined : extraMax - 1)})?`);
    } else {
      parts.push(item, repeat(`(${space} "," ${space} ${item})`, extraMin - 1, extraMax === undefined ? undefined : extraMax - 1));
    }
  }
  const body = parts.filter((part) => part !== "").join(" ");
  return rules.add("array", `"[" ${space} ${body === "" ? "" : `${body} ${space} `}"]"`);
}

function repeat(expression: string, min: number, max: number | undefined): string {
  if (max === 0) return "";
  if (max === undefined) return min === 0 ? `${expression}*` : min === 1 ? `${expression}+` : `${expression}{${min},}`;
  return min === max ? `${expression}{${min}}` : `${expression}{${min},${max}}`;
}

function escapePointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}
