export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  /** Our extension; never sent to llama-server. */
  chatId?: string;
  /** More body fields, over the defaults (an undefined one removes a default). */
  extra?: Record<string, unknown>;
  /** Called at the first non-empty content chunk (never sent). */
  onFirstContent?: () => void;
}

/** What one streamed reply measured, from the client's side; times are ms from sending the request. */
export interface StreamResult {
  ttftMs: number;
  /** When the last non-empty delta.content arrived. */
  lastContentMs: number;
  totalMs: number;
  content: string;
  promptTokens: number;
  completionTokens: number;
  /** usage.prompt_tokens_details.cached_tokens, when the server sends it. */
  cachedTokens: number | undefined;
  /** llama-server's own `timings` object from the final chunk. */
  serverTimings: Record<string, number> | undefined;
  /** Why the request was sent a second time (timed from the second send), if it was. */
  retried: string | undefined;
}

export class RequestFailed extends Error {
  override readonly name = "RequestFailed";
}

/**
 * One `stream: true` request to /v1/chat/completions with ignore_eos and temperature 0, read to the end.
 * Time to first token is to the first non-empty `delta.content` (the role chunk does not count).
 */
export async function streamChat(
  baseUrl: string,
  headers: Readonly<Record<string, string>>,
  request: ChatRequest,
  timeoutMs: number,
): Promise<StreamResult> {
  const body = {
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
    ignore_eos: true,
    max_tokens: request.maxTokens,
    temperature: 0,
    ...(request.chatId === undefined ? {} : { chat_id: request.chatId }),
    ...request.extra,
  };
  const signal = AbortSignal.timeout(timeoutMs);
  const send = () =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal,
    });
  let started = performance.now();
  let retried: string | undefined;
  const response = await send().catch(async (error: unknown) => {
    // A kept-alive connection that the server closes just as it is reused fails before any response (seen once
    // with llama-server at 4 streams); sending again is harmless, as a server cancels a reply whose client left.
    if (signal.aborted) throw new RequestFailed(`request failed: ${describe(error)}`);
    retried = describe(error);
    started = performance.now();
    return send().catch((again: unknown) => {
      throw new RequestFailed(`request failed twice: ${describe(error)}; then ${describe(again)}`);
    });
  });
  if (response.status !== 200 || response.body === null) {
    throw new RequestFailed(`HTTP ${response.status}: ${(await response.text().catch(() => "")).slice(0, 300)}`);
  }

  let ttftMs: number | undefined;
  let lastContentMs = 0;
  let content = "";
  let usage: Usage | undefined;
  let serverTimings: Record<string, number> | undefined;
  let buffered = "";
  const decoder = new TextDecoder();
  try {
    for await (const bytes of response.body) {
      buffered += decoder.decode(bytes, { stream: true });
      let end: number;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        if (!line.startsWith("data:")) continue; // blank separators and ": ping" comments
        const data = line.slice(5).trim();
        if (data === "[DONE]") continue;
        const event = JSON.parse(data) as StreamEvent;
        if (event.error !== undefined) throw new RequestFailed(`stream error: ${JSON.stringify(event.error).slice(0, 300)}`);
        const text = event.choices?.[0]?.delta?.content;
        if (typeof text === "string" && text !== "") {
          lastContentMs = performance.now() - started;
          if (ttftMs === undefined) request.onFirstContent?.();
          ttftMs ??= lastContentMs;
          content += text;
        }
        if (event.usage) usage = event.usage;
        if (event.timings) serverTimings = event.timings;
      }
    }
  } catch (error) {
    if (error instanceof RequestFailed) throw error;
    throw new RequestFailed(`stream broke off: ${describe(error)}`);
  }
  if (usage === undefined) throw new RequestFailed("the stream ended without a usage chunk");
  if (ttftMs === undefined) throw new RequestFailed("the stream carried no content");
  return {
    ttftMs,
    lastContentMs,
    totalMs: performance.now() - started,
    content,
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? undefined,
    serverTimings,
    retried,
  };
}

/** fetch's "fetch failed" says nothing; the reason is in its cause. */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? String(error) : `${String(error)} (${String((cause as { code?: unknown }).code ?? cause)})`;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

interface StreamEvent {
  choices?: { delta?: { content?: string | null } }[];
  usage?: Usage | null;
  timings?: Record<string, number>;
  error?: unknown;
}
