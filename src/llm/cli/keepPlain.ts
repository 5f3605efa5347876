/** U+200B ZERO WIDTH SPACE: invisible, and never part of a special token's text. */
export const ZERO_WIDTH_SPACE = "\u200B";

/**
 * Keeps plain text plain for a binary that parses special tokens anywhere in its prompt: every occurrence of a
 * special token's text gets a zero-width space after its first character (`<|im_end|>` becomes `<\u200B|im_end|>`),
 * so no special-token text survives whole. This is the one way the binary runner's prompt differs from the
 * in-process runner's, and only for text that holds such strings. A one-character special text cannot be split;
 * no real vocabulary has one.
 */
export function keepPlain(text: string, specialTexts: readonly string[]): string {
  const cuts = new Set<number>();
  for (const special of specialTexts) {
    if (special.length < 2) continue;
    // Overlapping occurrences too: each one is split after its own first character.
    for (let index = text.indexOf(special); index !== -1; index = text.indexOf(special, index + 1)) {
      cuts.add(index + firstCharacterLength(text, index));
    }
  }
  if (cuts.size === 0) return text;
  let result = "";
  let last = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    result += text.slice(last, cut) + ZERO_WIDTH_SPACE;
    last = cut;
  }
  return result + text.slice(last);
}

/** Occurrences of special-token texts in text that is parsed as special (an upper bound on the special tokens). */
export function countSpecialTexts(text: string, specialTexts: readonly string[]): number {
  let count = 0;
  for (const special of specialTexts) {
    for (let index = text.indexOf(special); index !== -1; index = text.indexOf(special, index + 1)) count += 1;
  }
  return count;
}

function firstCharacterLength(text: string, index: number): number {
  return (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
}
