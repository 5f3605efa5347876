import type { BuiltinSpecialTokenValue, GgufFileInfo } from "node-llama-cpp";

// `tokenizer.ggml.token_type` values that llama.cpp matches in a prompt only when it parses special tokens,
// which llama-completion always does; user-defined tokens (4) match in plain text too, in both runners.
const UNKNOWN = 2;
const CONTROL = 3;

// BPE pre-tokenizers for which llama.cpp adds BOS when the GGUF does not say (llama-vocab.cpp, the Llama 3 family).
const BPE_PRE_WITH_BOS = new Set(["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"]);

/** What the binary runner needs to know about the vocabulary, read from the GGUF header (no native addon). */
export interface ModelVocabulary {
  /**
   * Texts that llama-completion would read as special tokens if they appeared in plain text: control and
   * unknown tokens, and the tokens the header names as BOS, EOS, EOT and the like. Longest first.
   */
  readonly specialTexts: readonly string[];
  /** Whether llama-completion puts BOS in front of the prompt itself. */
  readonly addsBos: boolean;
  /** The vocabulary text of a builtin special token ("" where the model has none). */
  builtinText(token: BuiltinSpecialTokenValue): string;
}

export function readModelVocabulary(fileInfo: GgufFileInfo): ModelVocabulary {
  const ggml = fileInfo.metadata.tokenizer?.ggml;
  const tokens = ggml?.tokens ?? [];
  const types = ggml?.token_type ?? [];
  const text = (id: number | undefined) => (id === undefined ? "" : (tokens[id] ?? ""));

  const named = [
    ggml?.bos_token_id, ggml?.eos_token_id, ggml?.eot_token_id, ggml?.eom_token_id, ggml?.seperator_token_id,
    ggml?.padding_token_id, ggml?.cls_token_id, ggml?.mask_token_id, ggml?.unknown_token_id,
  ];
  const special = new Set<string>(named.map(text));
  types.forEach((type, id) => {
    if ((type as number) === CONTROL || (type as number) === UNKNOWN) special.add(text(id));
  });
  special.delete("");

  const builtin: Record<BuiltinSpecialTokenValue, string> = {
    BOS: text(ggml?.bos_token_id),
    EOS: text(ggml?.eos_token_id),
    // llama.cpp guesses an EOT token from its text where the header names none; EOS is the closest stand-in.
    EOT: text(ggml?.eot_token_id ?? ggml?.eos_token_id),
    SEP: text(ggml?.seperator_token_id),
    NL: "\n",
  };

  return {
    specialTexts: [...special].sort((a, b) => b.length - a.length),
    addsBos: ggml?.add_bos_token ?? defaultAddsBos(ggml?.model, ggml?.pre),
    builtinText: (token) => builtin[token],
  };
}

/** llama.cpp's default when the header has no `tokenizer.ggml.add_bos_token`. */
function defaultAddsBos(model: string | undefined, pre: string | undefined): boolean {
  if (model === "llama" || model === "bert") return true;
  return model === "gpt2" && pre !== undefined && BPE_PRE_WITH_BOS.has(pre);
}
