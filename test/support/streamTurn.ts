import { HEADERS } from "./replicas.js";

/**
 * A streaming /v1 turn on a stored chat, read as it comes: the text so far, the events and whether a first
 * chunk came, and how the stream ended ("done": its [DONE] event; "cut": a truncated transfer).
 */
export function streamTurn(url: string, chatId: string, maxTokens: number, { ignoreEos = false } = {}) {
  const state = { text: "", events: 0, firstChunk: false, end: undefined as "done" | "cut" | undefined, servedBy: "" };
  let onFirst!: () => void;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  const finished = (async () => {
    try {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { ...HEADERS, "X-Chat-Id": chatId },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: `go on, ${chatId}` }], stream: true, max_tokens: maxTokens, ...(ignoreEos ? { ignore_eos: true } : {}) }),
      });
      state.servedBy = response.headers.get("X-Served-By") ?? "";
      for await (const event of sseEvents(response.body!)) {
        if (event === "[DONE]") state.end = "done";
        else state.text += (JSON.parse(event) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "";
        state.events += 1;
        state.firstChunk = true;
        onFirst();
      }
      state.end ??= "cut";
    } catch {
      state.end = "cut";
    }
    onFirst();
  })();
  return { state, first, finished };
}

/** The data of each Server-Sent Event in a response body, as it arrives. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    const parts = (pending + text).split("\n\n");
    pending = parts.pop() ?? "";
    for (const part of parts) yield part.replace(/^data: /, "");
  }
}
