import type { ChatModelResponse } from "node-llama-cpp";

/** One entry of a model response: text, a function call (with its result), or a segment. */
export type ResponseEntry = ChatModelResponse["response"][number];

/**
 * Splits a model response into the parts the model generated one at a time: each starts with a text, or with
 * a call that starts a new chunk (node-llama-cpp's mark for a new section of calls) unless it follows a text
 * alone, and holds the calls after it. One OpenAI assistant message is one part; in an agent loop one response
 * holds several, with the tool results between them.
 */
export function responseParts(response: readonly ResponseEntry[]): Array<{ start: number; end: number }> {
  const parts: Array<{ start: number; end: number }> = [];
  response.forEach((entry, index) => {
    const current = parts.at(-1);
    const onlyText = current !== undefined && current.end - current.start === 1 && typeof response[current.start] === "string";
    const startsChunk = typeof entry !== "string" && entry.type === "functionCall" && entry.startsNewChunk === true;
    if (current === undefined || typeof entry === "string" || (startsChunk && !onlyText)) parts.push({ start: index, end: index + 1 });
    else current.end = index + 1;
  });
  return parts;
}
