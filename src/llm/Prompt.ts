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
// markers are removed again before anything is tokenized or shown.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const STOP = "\uE002";

/** Where a known reply starts in a rendering; everything up to its `replyEnd` is that reply. */
export const replyStart = (index: number): string => `${OPEN}${index}${STOP}`;
export const replyEnd = (index: number): string => `${CLOSE}${index}${STOP}`;
/** A known reply that is a text alone. */
export const replyMarker = (index: number): string => replyStart(index) + replyEnd(index);

/**
 * Splits a template rendering in which known replies were marked (replyStart ... replyEnd, possibly with other
 * template parts between them, such as a tool-call section's syntax) into segments: each marked region becomes
 * the reply's tokens, and the reply's text in the whole-prompt text.
 */
export function splitAtReplyMarkers(rendered: LlamaText, replies: readonly KnownReply[]): Prompt {
  const markerPattern = new RegExp(`([${OPEN}${CLOSE}])(\\d+)${STOP}`, "g");
  const segments: Array<LlamaText | KnownReply> = [];
  const text: Array<LlamaText["values"][number]> = [];
  let current: Array<LlamaText["values"][number]> = [];
  let inside: number | undefined;
  for (const value of rendered.values) {
    if (typeof value !== "string") {
      if (inside === undefined) {
        current.push(value);
        text.push(value);
      }
      continue;
    }
    let last = 0;
    for (const match of value.matchAll(markerPattern)) {
      const index = Number(match[2]);
      if (match[1] === OPEN && inside === undefined) {
        if (match.index > last) {
          current.push(value.slice(last, match.index));
          text.push(value.slice(last, match.index));
        }
        segments.push(LlamaText(current), replies[index]!);
        text.push(replies[index]!.text);
        current = [];
        inside = index;
      } else if (match[1] === CLOSE && inside === index) {
        inside = undefined;
      }
      last = match.index + match[0].length;
    }
    if (inside === undefined && last < value.length) {
      current.push(value.slice(last));
      text.push(value.slice(last));
    }
  }
  segments.push(LlamaText(current));
  return { text: LlamaText(text), segments: segments.filter((segment) => !isLlamaText(segment) || segment.values.length > 0) };
}
