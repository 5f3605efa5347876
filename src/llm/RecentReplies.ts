import type { Token } from "node-llama-cpp";

/**
 * The generated tokens of the last few replies, by text, least recently used evicted first. Stateless clients
 * resend the assistant's replies as text; using the tokens they were generated as keeps the prompt equal to
 * the cache the generation left behind.
 */
export class RecentReplies {
  private readonly entries = new Map<string, readonly Token[]>();

  constructor(private readonly capacity: number) {}

  remember(text: string, tokens: readonly Token[]): void {
    if (text === "") return;
    this.entries.delete(text);
    this.entries.set(text, tokens);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  recall(text: string): readonly Token[] | undefined {
    const tokens = this.entries.get(text);
    if (tokens !== undefined) {
      this.entries.delete(text);
      this.entries.set(text, tokens);
    }
    return tokens;
  }
}
