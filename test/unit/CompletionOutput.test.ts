import { describe, expect, it } from "vitest";
import { CompletionOutput } from "../../src/llm/cli/CompletionOutput.js";
import { parseLlamaPerf } from "../../src/llm/cli/parseLlamaPerf.js";

const read = (output: CompletionOutput, chunks: Buffer[]) => {
  let text = "";
  for (const chunk of chunks) text += output.push(chunk);
  const end = output.end();
  return { text: text + end.text, endOfText: end.endOfText };
};

describe("CompletionOutput", () => {
  it("decodes characters split across chunks and strips the trailer llama-completion prints", () => {
    const bytes = Buffer.from("héllo wörld 🙂 and more text\n\n", "utf8");
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(read(new CompletionOutput(), chunks)).toEqual({ text: "héllo wörld 🙂 and more text", endOfText: false });
  });

  it("recognises the end-of-text marker of a reply the model ended", () => {
    const chunks = [Buffer.from("a short reply"), Buffer.from(" [end of text]\n"), Buffer.from("\n\n")];
    expect(read(new CompletionOutput(), chunks)).toEqual({ text: "a short reply", endOfText: true });
  });

  it("never emits text that might be the marker before the process ends", () => {
    const output = new CompletionOutput();
    expect(output.push(Buffer.from("ab [end of text]\n"))).toBe("");
  });
});

describe("parseLlamaPerf", () => {
  it("reads the prompt and generated token counts from llama.cpp's timings", () => {
    const stderr = [
      "common_perf_print:    sampling time =       1.23 ms",
      "common_perf_print:        load time =      10.00 ms",
      "common_perf_print: prompt eval time =       4.56 ms /    31 tokens (    0.15 ms per token,  6798.25 tokens per second)",
      "common_perf_print:        eval time =       7.89 ms /    11 runs   (    0.72 ms per token,  1394.17 tokens per second)",
      "common_perf_print:       total time =      20.00 ms /    42 tokens",
    ].join("\n");
    // Stopped at max_tokens: the last token sampled was never decoded.
    expect(parseLlamaPerf(stderr, { maxTokens: 12, endOfText: false, text: "x" })).toEqual({
      promptTokens: 31,
      generatedTokens: 12,
    });
    // Ended by the model: its end-of-generation token was sampled, not decoded, and is not reply text.
    expect(parseLlamaPerf(stderr, { maxTokens: 100, endOfText: true, text: "x" })).toEqual({
      promptTokens: 31,
      generatedTokens: 11,
    });
    expect(parseLlamaPerf("load failed", { maxTokens: 12, endOfText: false, text: "" })).toBeUndefined();
  });
});
