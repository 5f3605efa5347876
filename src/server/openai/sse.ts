/**
 * Server-Sent Events framing for OpenAI-style streams. JSON.stringify escapes newlines, so one event is always
 * exactly one `data:` line however many lines the text holds.
 */
export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** The terminator OpenAI clients wait for. */
export const SSE_DONE = "data: [DONE]\n\n";
