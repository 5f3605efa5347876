import type { LlamaModel, Token } from "node-llama-cpp";

// A character split over byte-fallback tokens decodes to U+FFFD until its last byte arrives; no UTF-8
// character spans more than 4 bytes, so waiting longer than that means the model really produced bad bytes.
const MAX_HELD_TOKENS = 4;

/** Turns generated tokens into text without ever emitting half of a multi-byte character. */
export class Utf8TokenDecoder {
  private held: Token[] = [];
  private context: Token[];

  constructor(
    private readonly model: LlamaModel,
    promptTokens: readonly Token[],
    /** Writes special tokens as their text: a grammar matches them by it, so structured replies must show it. */
    private readonly specialTokens = false,
  ) {
    // The tokens before a piece decide, for SentencePiece vocabularies, whether its leading space is kept.
    this.context = promptTokens.slice(-8);
  }

  push(token: Token): string {
    this.held.push(token);
    const text = this.model.detokenize(this.held, this.specialTokens, this.context);
    if (text.endsWith("\uFFFD") && this.held.length < MAX_HELD_TOKENS) return "";
    return this.emit(text);
  }

  flush(): string {
    if (this.held.length === 0) return "";
    return this.emit(this.model.detokenize(this.held, this.specialTokens, this.context));
  }

  private emit(text: string): string {
    this.context = [...this.context, ...this.held].slice(-8);
    this.held = [];
    return text;
  }
}
