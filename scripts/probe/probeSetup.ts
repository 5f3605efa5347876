import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ProbeOptions {
  model: string;
  threads: number;
  rounds: number;
  /** Tokens per long reply. */
  tokens: number;
  out: string | undefined;
}

/** The probes' shared options (`--model --threads --rounds --tokens --out`) and the runner the server uses, 4 sequences. */
export async function probeSetup(defaultTokens: number): Promise<{ options: ProbeOptions; runner: NodeLlamaCppRunner }> {
  const { values } = parseArgs({
    options: {
      model: { type: "string", default: path.join(root, "models", "bench-small.gguf") },
      threads: { type: "string", default: "1" },
      rounds: { type: "string", default: "3" },
      tokens: { type: "string", default: String(defaultTokens) },
      out: { type: "string" },
    },
  });
  const options = { model: values.model, threads: Number(values.threads), rounds: Number(values.rounds), tokens: Number(values.tokens), out: values.out };
  const runner = await NodeLlamaCppRunner.load({ modelPath: options.model, contextSize: 2048, threads: options.threads, parallel: 4, gpu: false });
  return { options, runner };
}
