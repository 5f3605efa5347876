import { LlamaText, SpecialToken, SpecialTokensText, type ChatWrapper } from "node-llama-cpp";

// Llama 3.1 ends a tool call with <|eom_id|>, an end-of-generation token its wrapper's stop triggers leave out.
const EXTRA_END_TEXTS = ["<|eom_id|>"];

/**
 * How the model writes tool calls, as text, from its chat wrapper's function-calling settings (node-llama-cpp's
 * Qwen, Llama 3.1, Functionary and generic wrappers all describe their syntax this way). Parsing and the call
 * grammar use this one description, so what the grammar writes is what the parser reads back, and what the
 * wrapper renders for history.
 */
export class ToolCallSyntax {
  /** Texts in free text that start a call section (lazy grammars wait for them). */
  readonly triggers: readonly string[];
  /** The canonical start of a call section (section prefix and call prefix). */
  readonly sectionStart: string;
  /** Starts each further call, after `betweenCalls`. */
  readonly prefix: string;
  /** Between two calls of one section; undefined when the wrapper has no parallel calls (one call per reply). */
  readonly betweenCalls: string | undefined;
  /** After the last call, up to the end of the turn (which the model ends with an end-of-generation token). */
  readonly sectionSuffix: string;
  /** Whether a space may come before a function name (the wrappers' `optionalPrefixSpace`). */
  readonly optionalPrefixSpace: boolean;
  private readonly paramsPrefixTemplate: string;
  private readonly suffixTemplate: string;

  constructor(wrapper: ChatWrapper) {
    const { call, parallelism } = wrapper.settings.functions;
    const ends = [...endTexts(wrapper), ...EXTRA_END_TEXTS];
    const sectionPrefix = parallelism === undefined ? "" : textOf(parallelism.call.sectionPrefix);
    this.prefix = textOf(call.prefix);
    this.sectionStart = sectionPrefix + this.prefix;
    this.paramsPrefixTemplate = textOf(call.paramsPrefix);
    this.suffixTemplate = beforeEnd(textOf(call.suffix), ends);
    this.betweenCalls = parallelism === undefined ? undefined : textOf(parallelism.call.betweenCalls ?? "");
    this.sectionSuffix = parallelism === undefined ? "" : beforeEnd(textOf(parallelism.call.sectionSuffix ?? ""), ends);
    this.optionalPrefixSpace = call.optionalPrefixSpace;

    const sectionStarts = parallelism === undefined ? [""] : [sectionPrefix, ...(parallelism.call.sectionPrefixAlternateMatches ?? []).map(textOf)];
    const prefixes = [call.prefix, ...(call.prefixAlternateMatches ?? [])];
    const starts = sectionStarts.flatMap((section) => prefixes.map((prefix) => section + firstPart(prefix)));
    // A trigger that contains another one never fires first: keep the shorter.
    this.triggers = [...new Set(starts)].filter(
      (trigger, _, all) => trigger !== "" && !all.some((other) => other !== trigger && other !== "" && trigger.includes(other)),
    );
  }

  paramsPrefix(name: string): string {
    return this.paramsPrefixTemplate.replaceAll("{{functionName}}", name);
  }

  suffix(name: string): string {
    return this.suffixTemplate.replaceAll("{{functionName}}", name);
  }

  /** What the canonical call section holds after `trigger` and before the first function name. */
  afterTrigger(trigger: string): string {
    return this.sectionStart.startsWith(trigger) ? this.sectionStart.slice(trigger.length) : "";
  }
}

/** The text of a wrapper setting: special-token texts as they are written, builtin special tokens left out. */
function textOf(value: string | LlamaText): string {
  return LlamaText(value)
    .values.map((part) => (typeof part === "string" ? part : part instanceof SpecialTokensText ? part.value : ""))
    .join("");
}

/**
 * The part of a prefix that marks a call by itself: its leading special-token text when it starts with one
 * (Qwen's `<tool_call>`, so that a grammar takes over from there), else all of it.
 */
function firstPart(prefix: string | LlamaText): string {
  const values = LlamaText(prefix).values.filter((part) => part !== "");
  const first = values[0];
  return first instanceof SpecialTokensText ? first.value : textOf(prefix);
}

/** The texts that end the model's turn, from the wrapper's own stop triggers. */
function endTexts(wrapper: ChatWrapper): string[] {
  let stopGenerationTriggers: readonly LlamaText[];
  try {
    ({ stopGenerationTriggers } = wrapper.generateContextState({ chatHistory: [] }));
  } catch {
    // A template that cannot render an empty chat (some Jinja templates insist on a user message).
    ({ stopGenerationTriggers } = wrapper.generateContextState({ chatHistory: [{ type: "user", text: "" }, { type: "model", response: [] }] }));
  }
  return stopGenerationTriggers
    .filter((trigger) => !trigger.values.some((part) => part instanceof SpecialToken))
    .map((trigger) => textOf(trigger))
    .filter((text) => text !== "");
}

/** `text` up to the first end-of-turn text in it. */
function beforeEnd(text: string, ends: readonly string[]): string {
  const cut = Math.min(...ends.map((end) => text.indexOf(end)).filter((index) => index !== -1), text.length);
  return text.slice(0, cut);
}
