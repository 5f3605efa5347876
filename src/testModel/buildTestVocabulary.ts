// A small SentencePiece-style ("llama" tokenizer) vocabulary: enough real pieces that English text
// tokenizes into word-sized tokens, byte fallback for everything else, and the ChatML control tokens.

/** Values of `tokenizer.ggml.token_type`, as llama.cpp defines them. */
export const TokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  byte: 6,
} as const;

export interface TestVocabulary {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
  unknownTokenId: number;
  bosTokenId: number;
  eosTokenId: number;
  imStartTokenId: number;
  imEndTokenId: number;
}

const spaceMarker = "\u2581";

const words = [
  "the", "be", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with", "he", "as",
  "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will",
  "my", "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which",
  "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into",
  "year", "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only",
  "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well",
  "way", "even", "new", "want", "because", "any", "these", "give", "day", "most", "us", "is", "are", "was",
  "were", "has", "had", "been", "am", "yes", "hello", "hi", "world", "please", "thank", "thanks", "help",
  "question", "answer", "user", "assistant", "system", "model", "test", "message", "chat", "here", "why",
  "where", "tell", "write", "story", "code", "name", "sure", "sorry", "today", "very", "more", "many", "much",
];

const capitalizedWords = ["The", "I", "You", "We", "It", "This", "Hello", "Hi", "Yes", "No", "What", "How", "Why", "Sure"];

const subwords = ["ing", "ed", "er", "es", "ly", "tion", "ment", "ness", "s", "'s", "n't", "re", "un", "able", "ful"];

const singleCharacters = [
  ..."abcdefghijklmnopqrstuvwxyz",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ..."0123456789",
  ...".,!?;:'\"-()[]{}/*+=<>_#@&%$",
];

/**
 * Ids 0-4 are `<unk>`, `<s>`, `</s>`, `<|im_start|>`, `<|im_end|>`; then the 256 byte tokens; then the pieces.
 *
 * llama.cpp's SPM tokenizer only merges two adjacent symbols when their concatenation is itself a token,
 * so every prefix of every word piece is included, making each word reachable by a chain of merges.
 * It merges the highest-scoring pair first; word pieces (which start with "▁") score above the subwords,
 * so a word is grown from its start before suffixes like "ing" are formed.
 */
export function buildTestVocabulary(): TestVocabulary {
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  const seen = new Set<string>();

  const add = (text: string, type: number): number => {
    if (seen.has(text)) return -1;
    seen.add(text);
    tokens.push(text);
    tokenTypes.push(type);
    return tokens.length - 1;
  };

  const unknownTokenId = add("<unk>", TokenType.unknown);
  const bosTokenId = add("<s>", TokenType.control);
  const eosTokenId = add("</s>", TokenType.control);
  const imStartTokenId = add("<|im_start|>", TokenType.control);
  const imEndTokenId = add("<|im_end|>", TokenType.control);

  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, TokenType.byte);
  }

  const firstPieceId = tokens.length;
  add(spaceMarker, TokenType.normal);

  const addWithPrefixes = (piece: string): void => {
    const characters = [...piece];
    for (let length = 2; length <= characters.length; length++) {
      add(characters.slice(0, length).join(""), TokenType.normal);
    }
  };

  for (const word of [...words, ...capitalizedWords]) addWithPrefixes(spaceMarker + word);
  for (const character of singleCharacters) add(spaceMarker + character, TokenType.normal);
  for (const subword of subwords) addWithPrefixes(subword);
  for (const character of singleCharacters) add(character, TokenType.normal);

  // SentencePiece scores are log-probabilities; only their order matters to llama.cpp's merge queue
  const scores = tokens.map((_, id) => (id < firstPieceId ? 0 : -(id - firstPieceId)));

  return { tokens, scores, tokenTypes, unknownTokenId, bosTokenId, eosTokenId, imStartTokenId, imEndTokenId };
}
