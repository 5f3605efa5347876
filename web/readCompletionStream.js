// @ts-check
// No DOM: the unit tests run this file in Node.

/**
 * @typedef {{ type: "text", text: string }
 *   | { type: "finish", reason: string }
 *   | { type: "usage", completionTokens: number, tokensPerSecond: number | undefined }} CompletionEvent
 * `tokensPerSecond` is the server's (llama.cpp's `timings.predicted_per_second`), absent for a one-token reply.
 */

/** The stream ended without `data: [DONE]`: the server cut the reply short (timeout, shutdown, a failure). */
export class TruncatedReplyError extends Error {
  constructor() {
    super("The reply was cut short by the server.");
  }
}

/**
 * The events of a `/v1/chat/completions` stream (Server-Sent Events), as they arrive. Ends at `data: [DONE]`;
 * a body that ends or breaks before it throws TruncatedReplyError.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<CompletionEvent, void, undefined>}
 */
export async function* readCompletionStream(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      let next;
      try {
        next = await reader.read();
      } catch (error) {
        // An abort by this page is the caller's to handle; anything else is a broken transfer.
        if (error instanceof DOMException && error.name === "AbortError") throw error;
        throw new TruncatedReplyError();
      }
      if (next.done) throw new TruncatedReplyError();
      buffer += decoder.decode(next.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data === "[DONE]") return;
        if (data !== undefined) yield* eventsOf(JSON.parse(data));
      }
    }
  } finally {
    // Stops the transfer when the consumer leaves early.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The `data:` lines of one event, joined; undefined for an event without data (a comment, a keep-alive).
 * @param {string} event
 */
function dataOf(event) {
  const lines = event.split("\n").filter((line) => line.startsWith("data:"));
  return lines.length === 0 ? undefined : lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n");
}

/**
 * @param {any} chunk a chat.completion.chunk
 * @returns {Generator<CompletionEvent>}
 */
function* eventsOf(chunk) {
  const choice = chunk.choices?.[0];
  const text = choice?.delta?.content;
  if (typeof text === "string" && text !== "") yield { type: "text", text };
  if (typeof choice?.finish_reason === "string") yield { type: "finish", reason: choice.finish_reason };
  if (typeof chunk.usage?.completion_tokens === "number") {
    const rate = chunk.timings?.predicted_per_second;
    yield { type: "usage", completionTokens: chunk.usage.completion_tokens, tokensPerSecond: typeof rate === "number" ? rate : undefined };
  }
}
