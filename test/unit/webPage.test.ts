import { describe, expect, it } from "vitest";
import { newChatId } from "../../web/chatId.js";
import { describeError, parseRetryAfter, whenToRetry } from "../../web/describeError.js";
import { readCompletionStream, TruncatedReplyError } from "../../web/readCompletionStream.js";
import { formatStats, ReplyClock } from "../../web/replyStats.js";
import { chatIdSchema } from "../../src/server/schemas/chatIdSchema.js";

// The chat page's modules that need no DOM, run in Node.

/** A body delivered in the given pieces, as a network would split it. */
const bodyOf = (...pieces: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
      controller.close();
    },
  });

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const delta = (content: string) => event({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });

async function eventsOf(body: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const item of readCompletionStream(body)) events.push(item);
  return events;
}

describe("readCompletionStream", () => {
  it("yields text, the finish reason and the server's token count, however the bytes are split", async () => {
    const wire =
      event({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }) +
      delta("Hé") +
      delta("llo\n\nworld") +
      event({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) +
      event({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }, timings: { predicted_per_second: 41.5 } }) +
      "data: [DONE]\n\n";
    const expected = [
      { type: "text", text: "Hé" },
      { type: "text", text: "llo\n\nworld" },
      { type: "finish", reason: "stop" },
      { type: "usage", completionTokens: 3, tokensPerSecond: 41.5 },
    ];
    expect(await eventsOf(bodyOf(wire))).toEqual(expected);
    // Split inside the two bytes of "é", inside a JSON object, and between the two newlines that end an event.
    const bytes = new TextEncoder().encode(wire);
    const inE = bytes.indexOf(0xc3) + 1;
    const betweenNewlines = wire.indexOf("\n\n", wire.indexOf("world")) + 1 + (bytes.length - wire.length);
    const cuts = [inE, inE + 10, betweenNewlines];
    const pieces = [0, ...cuts].map((start, index) => bytes.subarray(start, cuts[index] ?? bytes.length));
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    expect(await eventsOf(split)).toEqual(expected);
  });

  it("throws TruncatedReplyError when the stream ends before [DONE], after yielding what came", async () => {
    const events: unknown[] = [];
    await expect(
      (async () => {
        for await (const item of readCompletionStream(bodyOf(delta("partial")))) events.push(item);
      })(),
    ).rejects.toBeInstanceOf(TruncatedReplyError);
    expect(events).toEqual([{ type: "text", text: "partial" }]);
  });
});

describe("formatStats", () => {
  it("shows the time to the first text, and the server's token count and rate", () => {
    const clock = new ReplyClock(1000);
    clock.text(1250);
    clock.text(1300);
    expect(formatStats(clock, { tokens: 41, tokensPerSecond: 20.04 })).toBe("first token 0.25 s · 41 tokens · 20.0 tokens/s");
  });

  it("shows no count and no rate without the server's, and nothing before any text", () => {
    const clock = new ReplyClock(0);
    expect(formatStats(clock, undefined)).toBe("");
    clock.text(12_345);
    expect(formatStats(clock, undefined)).toBe("first token 12.3 s");
    expect(formatStats(clock, { tokens: 1, tokensPerSecond: undefined })).toBe("first token 12.3 s · 1 token");
  });
});

describe("describeError", () => {
  const now = new Date(2025, 0, 2, 14, 0, 0);

  it("says when to retry, with the clock time for waits over a minute", () => {
    expect(whenToRetry(5, now)).toBe("in 5 seconds");
    expect(whenToRetry(60, now)).toBe("in a minute (at 14:01)");
    expect(whenToRetry(3540, now)).toBe("in 59 minutes (at 14:59)");
    expect(
      describeError({ status: 429, serverMessage: "Rate limit exceeded: at most 20 chat requests per hour from one client.", retryAfterSeconds: 3540 }, now),
    ).toBe("Rate limit exceeded: at most 20 chat requests per hour from one client. You can try again in 59 minutes (at 14:59).");
  });

  it("names the key for 401 and the server's own words otherwise", () => {
    expect(describeError({ status: 401, serverMessage: "Invalid or missing API key.", retryAfterSeconds: undefined })).toMatch(/API key/);
    expect(describeError({ status: 503, serverMessage: "The model is still loading; try again shortly.", retryAfterSeconds: 5 }, now)).toBe(
      "The model is still loading; try again shortly. You can try again in 5 seconds.",
    );
    expect(describeError({ status: 400, serverMessage: "Invalid field 'message': too long", retryAfterSeconds: undefined })).toBe(
      "Invalid field 'message': too long.",
    );
    expect(describeError({ status: 0, serverMessage: "", retryAfterSeconds: undefined })).toMatch(/Could not reach the server/);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(new Date(now.getTime() + 90_000).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

describe("newChatId", () => {
  it("is a valid chat_id made of the local date and time and four random characters", () => {
    const id = newChatId(new Date(2025, 0, 2, 3, 4, 5), () => 0.5);
    expect(id).toBe("chat-20250102-030405-ssss");
    expect(chatIdSchema.safeParse(id).success).toBe(true);
  });
});
