import { createPrng, type Prng } from "../../src/testModel/createPrng.js";

// Common lowercase English words, each one token in the test model's vocabulary (and about one in real
// ones), so a text's length in words predicts its length in tokens on every model.
const words = [
  "the", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with", "he", "as", "you",
  "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my",
  "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which",
  "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into",
  "year", "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only",
  "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well",
  "way", "even", "new", "want", "because", "any", "these", "give", "day", "most", "us", "world", "question",
  "answer", "story", "code", "name", "today", "very", "more", "many", "much", "help", "write", "tell", "why",
];

/** About `tokens` tokens of sentence-shaped text, the same for the same seed on every run. */
export function benchText(seed: string, tokens: number): string {
  const random = createPrng(seed);
  const sentences: string[] = [];
  let count = 0;
  while (count < tokens) {
    // a sentence of 6-14 words and its full stop; the last one is cut to land on the target
    const length = Math.min(6 + pick(random, 9), Math.max(tokens - count - 1, 1));
    const sentence = Array.from({ length }, () => words[pick(random, words.length)]!);
    sentences.push(`${sentence.join(" ")}.`);
    count += length + 1;
  }
  return sentences.join(" ");
}

function pick(random: Prng, below: number): number {
  return random.nextUint32() % below;
}
