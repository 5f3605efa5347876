import { SpecialToken, SpecialTokensText, type BuiltinSpecialTokenValue, type LlamaText } from "node-llama-cpp";

/**
 * A structured prompt as text, segment by segment: plain text as it is, special tokens as their vocabulary text
 * (e.g. `<s>`, `<|im_start|>`). Rendering segments rather than detokenizing the whole token list keeps the text
 * free of detokenizer artefacts (SentencePiece vocabularies would show a space after every special token).
 */
export function promptText(prompt: LlamaText, builtinText: (token: BuiltinSpecialTokenValue) => string): string {
  let text = "";
  for (const value of prompt.values) {
    if (value instanceof SpecialToken) text += builtinText(value.value);
    else if (value instanceof SpecialTokensText) text += value.value;
    else text += value;
  }
  return text;
}
