import { isLlamaText, LlamaText, type Token } from "node-llama-cpp";

/**
 * A model reply whose exact generated tokens are known. Re-tokenising a reply's text rarely gives back the
 * tokens the model produced, and a cache built from one does not match a prompt built from the other.
 */
export interface KnownReply {
  text: string;
  tokens: readonly Token[];
}

/**
 * A prompt as a runner evaluates it: the rendered template, with some model replies given as the tokens they
 * were generated as. `text` is the whole prompt as text (for dry_run and for runners without a tokenizer);
 * `segments` is the same prompt with those replies cut out as token lists, for runners that evaluate tokens.
 */
export interface Prompt {
  readonly text: LlamaText;
  readonly segments: ReadonlyArray<LlamaText | KnownReply>;
}

/** A prompt with no known replies: one segment. */
export function plainPrompt(text: LlamaText): Prompt {
  return { text, segments: [text] };
}

// Private-use characters never produced by a tokenizer or typed by a client of this API in practice; the
// marker is removed again before anything is tokenized or shown.
const MARK_START = "\uE000";
const MARK_END = "\uE001";

export const replyMarker = (index: number): string => `${MARK_START}${index}${MARK_END}`;

/**
 * Splits a template rendering in which known replies were replaced by `replyMarker(i)` into segments, and
 * restores the reply texts in the whole-prompt text.
 */
export function splitAtReplyMarkers(rendered: LlamaText, replies: readonly KnownReply[]): Prompt {
  const markerPattern = new RegExp(`${MARK_START}(\\d+)${MARK_END}`, "g");
  const segments: Array<LlamaText | KnownReply> = [];
  let current: Array<LlamaText["values"][number]> = [];
  const text = rendered.mapValues((value) =>
    typeof value === "string" ? value.replace(markerPattern, (_, index: string) => replies[Number(index)]!.text) : value,
  );
  for (const value of rendered.values) {
    if (typeof value !== "string") {
      current.push(value);
      continue;
    }
    let last = 0;
    for (const match of value.matchAll(markerPattern)) {
      if (match.index > last) current.push(value.slice(last, match.index));
      segments.push(LlamaText(current), replies[Number(match[1])]!);
      current = [];
      last = match.index + match[0].length;
    }
    if (last < value.length) current.push(value.slice(last));
  }
  segments.push(LlamaText(current));
  return { text, segments: segments.filter((segment) => !isLlamaText(segment) || segment.values.length > 0) };
}
