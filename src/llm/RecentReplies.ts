import { createHash } from "node:crypto";
import type { ChatHistoryItem, Token } from "node-llama-cpp";

/**
 * The generated tokens of the last few replies, by the conversation they answered and their text, least
 * recently used evicted first. Stateless clients resend the assistant's replies as text; using the tokens they
 * were generated as keeps the prompt equal to the cache the generation left behind. The conversation is part of
 * the key because the same text (a short or repetitive reply) is often generated as different tokens.
 */
export class RecentReplies {
  private readonly entries = new Map<string, readonly Token[]>();

  constructor(private readonly capacity: number) {}

  remember(context: readonly ChatHistoryItem[], text: string, tokens: readonly Token[]): void {
    if (text === "") return;
    const key = keyOf(context, text);
    this.entries.delete(key);
    this.entries.set(key, tokens);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  recall(context: readonly ChatHistoryItem[], text: string): readonly Token[] | undefined {
    const key = keyOf(context, text);
    const tokens = this.entries.get(key);
    if (tokens !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, tokens);
    }
    return tokens;
  }
}

function keyOf(context: readonly ChatHistoryItem[], text: string): string {
  return createHash("sha256").update(JSON.stringify(context)).update("\0").update(text).digest("base64");
}
