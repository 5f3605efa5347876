import type { GenerateOptions } from "../Runner.js";

export interface CompletionArgsInput {
  modelPath: string;
  promptFile: string;
  contextSize: number;
  threads?: number | undefined;
  seed: number;
  /** A GBNF file that constrains the reply (structured output, forced tool calls). */
  grammarFile?: string | undefined;
}

/**
 * The argv for one llama-completion run (llama.cpp's tools/completion; an older llama-cli takes the same flags).
 * Sampling options map one to one; stop strings are ours to apply (its -r only works in interactive mode).
 */
export function llamaCompletionArgs(input: CompletionArgsInput, options: GenerateOptions): string[] {
  const args = [
    "--model", input.modelPath,
    // The prompt comes from a file, never the command line (ps would show it, and argv has a size limit).
    "--file", input.promptFile,
    // Raw completion of our rendered prompt: it otherwise switches to chat mode for a model with a template.
    "-no-cnv",
    // Otherwise it turns "\n" and the like in the prompt into control characters.
    "--no-escape",
    // stdout carries only the generated text.
    "--no-display-prompt",
    // Plain reads and writes, no terminal handling: stdout is a pipe.
    "--simple-io",
    // The warm-up decode only costs time in a process that generates once.
    "--no-warmup",
    // Keep -c as given rather than letting it be adjusted to free device memory.
    "--fit", "off",
    "--ctx-size", String(input.contextSize),
    "--n-predict", String(options.maxTokens),
    "--temp", String(options.temperature),
    "--seed", String(input.seed),
  ];
  if (options.topP !== undefined) args.push("--top-p", String(options.topP));
  if (input.threads !== undefined) args.push("--threads", String(input.threads));
  if (options.ignoreEos === true) args.push("--ignore-eos");
  if (input.grammarFile !== undefined) args.push("--grammar-file", input.grammarFile);
  return args;
}
