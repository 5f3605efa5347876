import type { Token } from "node-llama-cpp";

/** How many leading tokens two token lists share. */
export function sharedPrefix(a: readonly Token[], b: readonly Token[]): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a[i] === b[i]) i++;
  return i;
}

export const startsWith = (whole: readonly Token[], prefix: readonly Token[]): boolean => sharedPrefix(whole, prefix) === prefix.length;

/** The item whose tokens share the longest prefix with `tokens`, when that is longer than `moreThan`; the first among equals. */
export function longestSharedPrefix<T extends { tokens: readonly Token[] }>(items: readonly T[], tokens: readonly Token[], moreThan: number): T | undefined {
  let best: T | undefined;
  let bestShared = moreThan;
  for (const item of items) {
    const shared = sharedPrefix(item.tokens, tokens);
    if (shared > bestShared) {
      best = item;
      bestShared = shared;
    }
  }
  return best;
}
