import { SpecialToken, SpecialTokensText, type LlamaText } from "node-llama-cpp";
import { countSpecialTexts, keepPlain } from "./keepPlain.js";
import type { ModelVocabulary } from "./ModelVocabulary.js";

export interface SerializedPrompt {
  /** The prompt as text for llama-completion, which parses special tokens in it and adds BOS itself. */
  text: string;
  /** What the binary evaluates, as dry_run shows it: the BOS it adds (where it adds one), then `text`. */
  shown: string;
  /** An upper bound on the tokens the binary evaluates for `text` (see below). */
  tokenBound: number;
}

/**
 * Turns a structured prompt into the text llama-completion reads: special tokens as their vocabulary text,
 * plain text kept plain (see keepPlain), and no leading BOS where the binary adds one itself (it would be
 * evaluated twice).
 *
 * Without a tokenizer the token count is bounded instead: every token covers at least one UTF-8 byte, except
 * that llama.cpp's SentencePiece tokenizer puts a space in front of each run of plain text that follows a
 * special token (one extra token at most per special token, and one for the very start), plus the added BOS.
 */
export function serializePrompt(prompt: LlamaText, vocabulary: ModelVocabulary): SerializedPrompt {
  let values = prompt.values;
  const first = values[0];
  if (vocabulary.addsBos && first instanceof SpecialToken && first.value === "BOS") values = values.slice(1);

  let text = "";
  let specialTokens = 0;
  for (const value of values) {
    if (value instanceof SpecialToken) {
      text += vocabulary.builtinText(value.value);
      specialTokens += 1;
    } else if (value instanceof SpecialTokensText) {
      text += value.value;
      specialTokens += countSpecialTexts(value.value, vocabulary.specialTexts);
    } else {
      text += keepPlain(value, vocabulary.specialTexts);
    }
  }
  const addedBos = vocabulary.addsBos ? 1 : 0;
  return {
    text,
    shown: (vocabulary.addsBos ? vocabulary.builtinText("BOS") : "") + text,
    tokenBound: Buffer.byteLength(text, "utf8") + specialTokens + 1 + addedBos,
  };
}
