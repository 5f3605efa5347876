/**
 * Finds where a JSON object or array that arrives character by character ends, without parsing it (the
 * caller parses the whole text once it is complete): leading whitespace is skipped, strings and escapes are
 * followed, brackets are counted.
 */
export class JsonScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** "done" when `character` closes the value; "invalid" when the text cannot be an object or an array. */
  feed(character: string): "more" | "done" | "invalid" {
    if (this.depth === 0) {
      if (/\s/.test(character)) return "more";
      if (character !== "{" && character !== "[") return "invalid";
      this.depth = 1;
      return "more";
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (character === "\\") this.escaped = true;
      else if (character === '"') this.inString = false;
      return "more";
    }
    if (character === '"') this.inString = true;
    else if (character === "{" || character === "[") this.depth += 1;
    else if (character === "}" || character === "]") this.depth -= 1;
    return this.depth === 0 ? "done" : "more";
  }
}
