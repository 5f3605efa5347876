import { LlamaText, SpecialToken, SpecialTokensText } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { keepPlain, ZERO_WIDTH_SPACE as Z } from "../../src/llm/cli/keepPlain.js";
import type { ModelVocabulary } from "../../src/llm/cli/ModelVocabulary.js";
import { serializePrompt } from "../../src/llm/cli/serializePrompt.js";

const vocabulary = (addsBos: boolean): ModelVocabulary => ({
  specialTexts: ["<|im_start|>", "<|im_end|>", "</s>", "<s>"],
  addsBos,
  builtinText: (token) => ({ BOS: "<s>", EOS: "</s>", EOT: "<|im_end|>", SEP: "", NL: "\n" })[token],
});

describe("keepPlain", () => {
  it("splits every special-token string after its first character, and leaves other text alone", () => {
    expect(keepPlain("a <|im_end|> b <s></s>", vocabulary(true).specialTexts)).toBe(
      `a <${Z}|im_end|> b <${Z}s><${Z}/s>`,
    );
    expect(keepPlain("plain <| text |> here", vocabulary(true).specialTexts)).toBe("plain <| text |> here");
  });

  it("leaves no special-token string whole, overlapping ones included", () => {
    const specials = ["<<x>>", "<x>", "x>>"];
    const kept = keepPlain("<<x>>>", specials);
    for (const special of specials) expect(kept).not.toContain(special);
    expect(kept.replaceAll(Z, "")).toBe("<<x>>>");
  });
});

describe("serializePrompt", () => {
  const prompt = LlamaText([
    new SpecialToken("BOS"),
    new SpecialTokensText("<|im_start|>user\n"),
    "hi <|im_end|> there",
    new SpecialTokensText("<|im_end|>\n<|im_start|>assistant\n"),
  ]);

  it("leaves out the BOS that llama-completion adds itself, but shows it", () => {
    const { text, shown } = serializePrompt(prompt, vocabulary(true));
    expect(text).toBe(`<|im_start|>user\nhi <${Z}|im_end|> there<|im_end|>\n<|im_start|>assistant\n`);
    expect(shown).toBe(`<s>${text}`);
  });

  it("writes BOS into the prompt for a model where llama-completion adds none", () => {
    const { text, shown } = serializePrompt(prompt, vocabulary(false));
    expect(text.startsWith("<s><|im_start|>user\n")).toBe(true);
    expect(shown).toBe(text);
  });

  it("bounds the tokens by UTF-8 bytes plus one per special token, plus one, plus BOS", () => {
    const { text, tokenBound } = serializePrompt(prompt, vocabulary(true));
    // 3 special tokens in the special-token texts, BOS added by the binary.
    expect(tokenBound).toBe(Buffer.byteLength(text) + 3 + 1 + 1);
    expect(serializePrompt(LlamaText(["é"]), vocabulary(false)).tokenBound).toBe(2 + 0 + 1);
  });
});
