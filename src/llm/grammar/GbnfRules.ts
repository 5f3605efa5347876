/**
 * A GBNF grammar (llama.cpp's grammar format) under construction: rules named after a hint and made unique,
 * rules with the same body shared, and names reserved ahead of their body for recursive references.
 */
export class GbnfRules {
  private readonly bodies = new Map<string, string | undefined>();
  private readonly byBody = new Map<string, string>();

  /** The name of a rule with this body: an existing one with the same body, or a new one. */
  add(hint: string, body: string): string {
    const existing = this.byBody.get(body);
    if (existing !== undefined) return existing;
    const name = this.reserve(hint);
    this.define(name, body);
    return name;
  }

  /** A rule with a fixed name (shared primitives such as `ws`), defined once. */
  fixed(name: string, body: () => string): string {
    if (!this.bodies.has(name)) {
      this.bodies.set(name, undefined);
      this.bodies.set(name, body());
    }
    return name;
  }

  /** A new name whose body comes later, so that the body can refer to it. */
  reserve(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "rule";
    let name = base;
    for (let i = 2; this.bodies.has(name) || name === "root"; i++) name = `${base}-${i}`;
    this.bodies.set(name, undefined);
    return name;
  }

  define(name: string, body: string): void {
    this.bodies.set(name, body);
    if (!this.byBody.has(body)) this.byBody.set(body, name);
  }

  /** The grammar text, with `root ::= rootBody` first. */
  render(rootBody: string): string {
    const lines = [`root ::= ${rootBody}`];
    for (const [name, body] of this.bodies) {
      if (body === undefined) throw new Error(`GBNF rule ${name} was reserved but never defined`);
      lines.push(`${name} ::= ${body}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

/** A GBNF string literal matching exactly `text`. */
export function literal(text: string): string {
  let out = '"';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === '"' || character === "\\") out += `\\${character}`;
    else if (character === "\n") out += "\\n";
    else if (character === "\r") out += "\\r";
    else if (character === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += character;
  }
  return `${out}"`;
}

/** `a | b | c`, grouped; one alternative stays as it is. */
export function alternatives(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `(${items.join(" | ")})`;
}
