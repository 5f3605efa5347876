import { BadRequestError, NotFoundError } from "openai";
import { describe, expect, it } from "vitest";
import { useSdkServer } from "../support/sdkServer.js";

const sdk = useSdkServer({ LLAMA_CONTEXT_SIZE: "512" });

const post = (path: string, body: unknown) =>
  fetch(`${sdk.server.url}${path}`, { method: "POST", headers: sdk.server.headers, body: JSON.stringify(body) });

describe("POST /v1/completions", () => {
  it("completes a raw prompt with usage, stopping at max_tokens with finish_reason length", async () => {
    const completion = await sdk.client.completions.create({ model: "m", prompt: "what you want to do", max_tokens: 10, seed: 1, ignore_eos: true } as never);
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(10);
    // The raw prompt, no template: BOS and five words of the test vocabulary, one token each.
    expect(completion.usage?.prompt_tokens).toBe(6);
  });

  it("streams text_completion chunks, the finish reason last, then usage and [DONE]", async () => {
    const stream = await sdk.client.completions.create({
      model: "m",
      prompt: ["Once upon a time"],
      max_tokens: 12,
      seed: 1,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    } as never);
    const chunks: Array<{ object: string; choices: Array<{ text: string; finish_reason: string | null }>; usage?: { completion_tokens: number } | null }> = [];
    for await (const chunk of stream as unknown as AsyncIterable<(typeof chunks)[number]>) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === "text_completion")).toBe(true);
    const texts = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.text)).join("");
    const whole = await sdk.client.completions.create({ model: "m", prompt: "Once upon a time", max_tokens: 12, seed: 1, ignore_eos: true } as never);
    expect(texts).toBe(whole.choices[0]!.text);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual(["length"]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(12);
    const raw = await (await post("/v1/completions", { prompt: "hi", max_tokens: 2, stream: true })).text();
    expect(raw.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("reuses the cached prefix when the prompt extends the previous one", async () => {
    const story = "The lighthouse keeper and his dog walked to the harbour every morning, ";
    const first = await sdk.client.completions.create({ model: "m", prompt: story, max_tokens: 4, ignore_eos: true } as never);
    const second = await sdk.client.completions.create({ model: "m", prompt: `${story}and then`, max_tokens: 4, ignore_eos: true } as never);
    const cached = (second.usage as unknown as { prompt_tokens_details: { cached_tokens: number } }).prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(first.usage!.prompt_tokens - 2);
  });

  it("refuses echo, suffix, best_of, n > 1, logprobs and several prompts by name", async () => {
    const cases: Array<[string, unknown]> = [["echo", true], ["suffix", "end"], ["best_of", 3], ["n", 2], ["logprobs", 2]];
    for (const [field, value] of cases) {
      const attempt = sdk.client.completions.create({ model: "m", prompt: "hi", max_tokens: 2, [field]: value } as never);
      await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
      await expect(attempt).rejects.toMatchObject({ param: field });
    }
    const several = await post("/v1/completions", { prompt: ["a", "b"] });
    expect((await several.json()).error.param).toBe("prompt");
    const tooLong = await post("/v1/completions", { prompt: "word ".repeat(600), max_tokens: 8 });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).error).toMatchObject({ param: "prompt", code: "context_length_exceeded" });
  });
});

describe("POST /v1/embeddings", () => {
  it("embeds a string, strings and token lists, as floats and as base64 of the same length, with usage", async () => {
    const floats = await sdk.client.embeddings.create({ model: "m", input: ["the sea", "the ships on it"], encoding_format: "float" });
    expect(floats.data.map((item) => item.index)).toEqual([0, 1]);
    const [first, second] = floats.data.map((item) => item.embedding);
    expect(first!.length).toBeGreaterThan(0);
    expect(second!.length).toBe(first!.length);
    expect(Math.hypot(...first!)).toBeCloseTo(1, 5);
    expect(first).not.toEqual(second);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(4);
    expect(floats.usage.total_tokens).toBe(floats.usage.prompt_tokens);

    // The SDK asks for base64 by default and decodes it.
    const decoded = await sdk.client.embeddings.create({ model: "m", input: "the sea" });
    expect(decoded.data[0]!.embedding.length).toBe(first!.length);
    decoded.data[0]!.embedding.forEach((value, index) => expect(value).toBeCloseTo(first![index]!, 5));
    const raw = await (await post("/v1/embeddings", { input: "the sea", encoding_format: "base64" })).json();
    expect(Buffer.from(raw.data[0].embedding, "base64").length).toBe(first!.length * 4);

    const tokensResponse = await post("/v1/embeddings", { input: [[5, 6, 7], [8]] });
    // Counted against the same hourly limit as generation.
    expect(Number(tokensResponse.headers.get("x-ratelimit-remaining"))).toBeGreaterThan(0);
    const tokens = await tokensResponse.json();
    expect(tokens.data).toHaveLength(2);
    expect(tokens.data[1].embedding).toHaveLength(first!.length);
  });

  it("answers 400 for an input longer than the context and for tokens outside the vocabulary", async () => {
    const long = await post("/v1/embeddings", { input: "word ".repeat(700) });
    expect(long.status).toBe(400);
    expect((await long.json()).error).toMatchObject({ param: "input", code: "context_length_exceeded" });
    const bad = await post("/v1/embeddings", { input: [[1, 99_999_999]] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("input[0]");
  });
});

describe("GET /v1/models/{id}", () => {
  it("retrieves the served model, and answers 404 in OpenAI's shape for any other", async () => {
    const model = await sdk.client.models.retrieve("test-model");
    expect(model).toMatchObject({ id: "test-model", object: "model", owned_by: "llama-api" });
    const other = sdk.client.models.retrieve("gpt-4o");
    await expect(other).rejects.toBeInstanceOf(NotFoundError);
    await expect(other).rejects.toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });
});
