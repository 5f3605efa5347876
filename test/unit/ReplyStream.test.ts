import pino from "pino";
import { describe, expect, it } from "vitest";
import { ReplyStream, type ReplyHooks } from "../../src/chat/ReplyStream.js";
import { createGeneration } from "../../src/llm/createGeneration.js";
import type { InterruptReason } from "../../src/sessions/Session.js";
import { Metrics } from "../../src/observability/Metrics.js";

/** A generation of fixed chunks (framing only: what ReplyStream does with a reply's end). */
const generationOf = (chunks: string[]) =>
  createGeneration(async function* (stats) {
    for (const chunk of chunks) {
      stats.generatedTokens += 1;
      yield chunk;
    }
    stats.finishReason = "stop";
  });

function hooks(overrides: Partial<ReplyHooks> = {}) {
  const saves: Array<{ reply: string; interrupted: InterruptReason | undefined }> = [];
  let released = 0;
  const all: ReplyHooks = {
    signal: new AbortController().signal,
    logger: pino({ level: "silent" }),
    metrics: new Metrics(),
    finished: async (reply, interrupted) => void saves.push({ reply, interrupted }),
    release: () => void (released += 1),
    ...overrides,
  };
  return { all, saves, released: () => released };
}

const readAll = async (stream: AsyncIterable<string>) => {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
};

describe("ReplyStream", () => {
  it("saves a reply read to its end as complete once, and releases once", async () => {
    const { all, saves, released } = hooks({ delivered: Promise.resolve(true) });
    const reply = await ReplyStream.start(generationOf(["a", "b"]), 3, all);
    expect(await readAll(reply)).toBe("ab");
    await reply.ended;
    await new Promise((resolve) => setImmediate(resolve));
    expect(saves).toEqual([{ reply: "ab", interrupted: undefined }]);
    expect(released()).toBe(1);
  });

  it("corrects a reply generated to its end to interrupted when its response was cut on the way out", async () => {
    let cut!: (delivered: boolean) => void;
    const { all, saves, released } = hooks({ delivered: new Promise((resolve) => (cut = resolve)) });
    const reply = await ReplyStream.start(generationOf(["a", "b"]), 3, all);
    expect(await readAll(reply)).toBe("ab");
    await reply.ended;
    // Saved before the stream ended (a client that read the end finds its turn), but not yet released.
    expect(saves).toEqual([{ reply: "ab", interrupted: undefined }]);
    expect(released()).toBe(0);
    cut(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(saves.at(-1)).toEqual({ reply: "ab", interrupted: "client_disconnected" });
    expect(released()).toBe(1);
  });

  it("releases a reply whose client left before it was read, saving nothing the client never got", async () => {
    const controller = new AbortController();
    const { all, saves, released } = hooks({ signal: controller.signal });
    const reply = await ReplyStream.start(generationOf(["a", "b"]), 3, all);
    controller.abort();
    await reply.ended;
    await new Promise((resolve) => setImmediate(resolve));
    expect(saves).toEqual([{ reply: "", interrupted: "client_disconnected" }]);
    expect(released()).toBe(1);
    // Read later all the same (a response piped after its socket closed): nothing comes, nothing is held.
    expect(await readAll(reply)).toBe("");
    expect(released()).toBe(1);
  });

  it("ends an unread reply that its consumer returns without reading", async () => {
    const { all, released } = hooks();
    const reply = await ReplyStream.start(generationOf(["a"]), 3, all);
    await reply[Symbol.asyncIterator]().return!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(released()).toBe(1);
  });
});
