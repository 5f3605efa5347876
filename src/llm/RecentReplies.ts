import { createHash } from "node:crypto";
import type { ChatHistoryItem } from "node-llama-cpp";
import type { KnownReply } from "./Prompt.js";
import type { ResponseEntry } from "./responseParts.js";

/**
 * The generated tokens of the last few replies, by the conversation they answered and what they said (text and
 * tool calls), least recently used evicted first. Stateless clients resend the assistant's replies as text and
 * tool calls; using the tokens they were generated as keeps the prompt equal to the cache the generation left
 * behind, so an agent loop's next step evaluates only the tool results and what follows. The conversation is
 * part of the key because the same text (a short or repetitive reply) is often generated as different tokens.
 */
export class RecentReplies {
  private readonly entries = new Map<string, KnownReply>();

  constructor(private readonly capacity: number) {}

  remember(context: readonly ChatHistoryItem[], part: readonly ResponseEntry[], reply: KnownReply): void {
    if (reply.text === "") return;
    const key = keyOf(context, part);
    this.entries.delete(key);
    this.entries.set(key, reply);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  recall(context: readonly ChatHistoryItem[], part: readonly ResponseEntry[]): KnownReply | undefined {
    const key = keyOf(context, part);
    const reply = this.entries.get(key);
    if (reply !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, reply);
    }
    return reply;
  }
}

/**
 * What identifies a reply: the items before it and what it said. A call counts by its name and arguments (as
 * parsed, so a client that re-serializes them still matches); its result and id are not part of the reply.
 */
function keyOf(context: readonly ChatHistoryItem[], part: readonly ResponseEntry[]): string {
  const said = part.flatMap((entry): unknown[] => {
    if (typeof entry === "string") return entry === "" ? [] : [entry];
    return entry.type === "functionCall" ? [{ name: entry.name, params: entry.params ?? null }] : [];
  });
  return createHash("sha256").update(JSON.stringify(context)).update("\0").update(JSON.stringify(said)).digest("base64");
}
