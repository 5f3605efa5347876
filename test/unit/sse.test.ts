import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Utf8TokenDecoder } from "../../src/llm/Utf8TokenDecoder.js";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { SSE_DONE, sseEvent } from "../../src/server/openai/sse.js";
import { loadTestRunner } from "../support/startTestServer.js";

/** Parses an SSE body the way a client does: events split on blank lines, `data:` lines joined. */
function parseEvents(body: string): string[] {
  return body
    .split("\n\n")
    .filter((event) => event !== "")
    .map((event) =>
      event
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length))
        .join("\n"),
    );
}

describe("SSE framing", () => {
  it("keeps multi-line content in one event that parses back exactly", () => {
    const content = "line one\nline two\r\n\n\ndata: not an event\n";
    const events = parseEvents(sseEvent({ delta: { content } }) + SSE_DONE);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[0]!)).toEqual({ delta: { content } });
    expect(events[1]).toBe("[DONE]");
  });

  it("ends with the [DONE] terminator line", () => {
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
  });
});

describe("unicode split across tokens", () => {
  let runner: NodeLlamaCppRunner;
  beforeAll(async () => {
    runner = await loadTestRunner();
  });
  afterAll(async () => runner.dispose());

  it("never emits half a character, whatever the token boundaries", () => {
    const model = runner.model;
    const text = "naïve café — 東京 😀!";
    const tokens = model.tokenize(text, false);
    // The test model's vocabulary has no pieces for these characters: they arrive as single UTF-8 bytes.
    expect(tokens.length).toBeGreaterThan(text.length);
    const decoder = new Utf8TokenDecoder(model, []);
    const chunks = tokens.map((token) => decoder.push(token));
    chunks.push(decoder.flush());
    for (const chunk of chunks) expect(chunk).not.toContain("\uFFFD");
    expect(chunks.join("").trimStart()).toBe(text);
    const events = parseEvents(chunks.filter((chunk) => chunk !== "").map((content) => sseEvent({ content })).join(""));
    expect(events.map((event) => JSON.parse(event).content).join("").trimStart()).toBe(text);
  });
});
