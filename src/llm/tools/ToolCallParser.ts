import { JsonScanner } from "./JsonScanner.js";
import type { ToolCallSyntax } from "./ToolCallSyntax.js";

/** A call read back from the reply: the function's name and its arguments as the JSON text generated. */
export interface ToolCall {
  name: string;
  arguments: string;
}

export type ToolCallEvent =
  | { type: "content"; text: string }
  | { type: "call"; index: number; name: string }
  | { type: "arguments"; index: number; text: string };

/** A whole reply: its text before the calls, and the calls (none: the whole reply is text). */
export interface ParsedReply {
  content: string;
  calls: ToolCall[];
}

export interface ToolCallParserOptions {
  /**
   * Report each call as it is read (name first, then argument fragments), for replies whose calls a grammar
   * enforces. Otherwise a call section is held until the reply ends and reported only if all of it is well
   * formed (and `accept`ed); else it is reported as text.
   */
  progressive: boolean;
  /** Whether a complete call is acceptable (its arguments validate); default: any. */
  accept?: (call: ToolCall) => boolean;
}

type Phase = "content" | "opening" | "name" | "arguments" | "suffix" | "after" | "trailing" | "malformed";

/**
 * Reads tool calls in the model's own syntax out of reply text that arrives in pieces: text before the first
 * call is content, then a section of calls (name, arguments, suffix; more calls where the syntax has parallel
 * calls), then nothing but whitespace. Anything else in a call section makes the section text.
 */
export class ToolCallParser {
  private all = "";
  private phase: Phase = "content";
  private position = 0;
  private emitted = 0;
  private sectionStart = -1;
  private expected = "";
  private readonly calls: ToolCall[] = [];
  private name = "";
  private argumentsStart = 0;
  private argumentsEmitted = 0;
  private scanner = new JsonScanner();
  private readonly longestTrigger: number;
  private reported = false;

  constructor(
    private readonly syntax: ToolCallSyntax,
    private readonly names: readonly string[],
    private readonly options: ToolCallParserOptions,
  ) {
    this.longestTrigger = Math.max(1, ...syntax.triggers.map((trigger) => trigger.length));
  }

  push(text: string): ToolCallEvent[] {
    this.all += text;
    const events: ToolCallEvent[] = [];
    this.advance(events);
    return events;
  }

  /** Once the reply has ended: the last events and the reply as a whole. */
  end(): { events: ToolCallEvent[]; reply: ParsedReply } {
    const events: ToolCallEvent[] = [];
    const complete = this.calls.length > 0 && (this.phase === "after" || this.phase === "trailing");
    if (complete) {
      if (!this.options.progressive) this.reportCalls(events);
      return { events, reply: { content: this.all.slice(0, this.sectionStart), calls: [...this.calls] } };
    }
    // No call, or a section cut short or malformed: all of it is text (what was reported already stays so).
    if (!this.reported && this.emitted < this.all.length) events.push({ type: "content", text: this.all.slice(this.emitted) });
    this.emitted = this.all.length;
    return { events, reply: { content: this.all, calls: [] } };
  }

  private advance(events: ToolCallEvent[]): void {
    for (let progress = true; progress; ) progress = this.step(events);
  }

  /** One step of the current phase; false when it needs more text. */
  private step(events: ToolCallEvent[]): boolean {
    const rest = this.all.slice(this.position);
    switch (this.phase) {
      case "content":
        return this.content(events);
      case "opening":
      case "suffix":
        return this.literal(rest, this.expected, this.phase === "opening" ? "name" : "after");
      case "name":
        return this.functionName(rest, events);
      case "arguments":
        return this.functionArguments(events);
      case "after":
        return this.afterCall(rest);
      case "trailing":
        if (rest.trim() !== "") this.phase = "malformed";
        return false;
      case "malformed":
        return false;
      default:
        return this.phase satisfies never;
    }
  }

  private content(events: ToolCallEvent[]): boolean {
    let found: { index: number; trigger: string } | undefined;
    for (const trigger of this.syntax.triggers) {
      const index = this.all.indexOf(trigger, this.emitted);
      if (index !== -1 && (found === undefined || index < found.index)) found = { index, trigger };
    }
    // Without a trigger, hold back what could be the start of one.
    const safe = found?.index ?? Math.max(this.emitted, this.all.length - (this.longestTrigger - 1));
    if (safe > this.emitted) events.push({ type: "content", text: this.all.slice(this.emitted, safe) });
    this.emitted = safe;
    if (found === undefined) return false;
    this.sectionStart = found.index;
    this.position = found.index + found.trigger.length;
    const after = this.syntax.afterTrigger(found.trigger);
    // The name phase takes the optional space itself.
    this.expected = this.syntax.optionalPrefixSpace ? after.replace(/ $/, "") : after;
    this.phase = "opening";
    return true;
  }

  private literal(rest: string, expected: string, next: Phase): boolean {
    if (rest.startsWith(expected)) {
      this.position += expected.length;
      this.phase = next;
      return true;
    }
    if (!expected.startsWith(rest)) this.phase = "malformed";
    return false;
  }

  private functionName(rest: string, events: ToolCallEvent[]): boolean {
    const space = this.syntax.optionalPrefixSpace && rest.startsWith(" ") ? 1 : 0;
    const text = rest.slice(space);
    const heads = this.names.map((name) => ({ name, head: name + this.syntax.paramsPrefix(name) }));
    const possible = heads.filter(({ head }) => head.startsWith(text) || text.startsWith(head));
    if (possible.length === 0) {
      this.phase = "malformed";
      return false;
    }
    const complete = possible.filter(({ head }) => text.startsWith(head)).sort((a, b) => b.head.length - a.head.length)[0];
    // A longer name may still be on its way ("get" versus "get_weather" with an empty params prefix).
    if (complete === undefined || possible.some(({ head }) => head.length > complete.head.length && head.startsWith(text))) return false;
    this.name = complete.name;
    this.position += space + complete.head.length;
    this.argumentsStart = this.argumentsEmitted = this.position;
    this.scanner = new JsonScanner();
    this.phase = "arguments";
    if (this.options.progressive) {
      this.reported = true;
      events.push({ type: "call", index: this.calls.length, name: this.name });
    }
    return true;
  }

  private functionArguments(events: ToolCallEvent[]): boolean {
    let end: number | undefined;
    while (this.position < this.all.length && end === undefined) {
      const state = this.scanner.feed(this.all[this.position]!);
      this.position += 1;
      if (state === "invalid") {
        this.phase = "malformed";
        return false;
      }
      if (state === "done") end = this.position;
    }
    if (this.options.progressive && this.position > this.argumentsEmitted) {
      const fragment = this.all.slice(this.argumentsEmitted, this.position);
      const text = this.argumentsEmitted === this.argumentsStart ? fragment.trimStart() : fragment;
      if (text !== "") events.push({ type: "arguments", index: this.calls.length, text });
      this.argumentsEmitted = this.position;
    }
    if (end === undefined) return false;
    const call = { name: this.name, arguments: this.all.slice(this.argumentsStart, end).trim() };
    if (!isJson(call.arguments) || this.options.accept?.(call) === false) {
      this.phase = "malformed";
      return false;
    }
    this.calls.push(call);
    this.expected = this.syntax.suffix(this.name);
    this.phase = "suffix";
    return true;
  }

  private afterCall(rest: string): boolean {
    if (rest === "") return false;
    const next = this.syntax.betweenCalls === undefined ? undefined : this.syntax.betweenCalls + this.syntax.prefix;
    if (next !== undefined && (rest.startsWith(next) || next.startsWith(rest))) {
      if (!rest.startsWith(next)) return false;
      this.position += next.length;
      this.phase = "name";
      return true;
    }
    const end = this.syntax.sectionSuffix;
    if (end !== "" && !rest.startsWith(end)) {
      if (!end.startsWith(rest)) this.phase = "malformed";
      return false;
    }
    this.position += end.length;
    this.phase = "trailing";
    return true;
  }

  private reportCalls(events: ToolCallEvent[]): void {
    this.calls.forEach((call, index) => {
      events.push({ type: "call", index, name: call.name }, { type: "arguments", index, text: call.arguments });
    });
  }
}

/** A whole reply's content and calls (see ToolCallParser). */
export function parseToolCalls(text: string, syntax: ToolCallSyntax, names: readonly string[], accept?: (call: ToolCall) => boolean): ParsedReply {
  const parser = new ToolCallParser(syntax, names, { progressive: false, ...(accept === undefined ? {} : { accept }) });
  parser.push(text);
  return parser.end().reply;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
