import { z } from "zod";

const tokens = z.array(z.int().min(0)).min(1, "must hold at least one token");

/** OpenAI's embeddings request. */
export const embeddingRequestSchema = z.looseObject({
  model: z.string().optional().describe("Ignored: the server serves one model."),
  input: z
    .union([z.string(), z.array(z.string()).min(1), tokens, z.array(tokens).min(1)])
    .describe("A text, texts, a token list, or token lists."),
  encoding_format: z.enum(["float", "base64"]).optional().describe("float (the default) or base64 (little-endian float32)."),
  dimensions: z.null().optional().describe("Not supported: the model's own dimension is returned."),
  user: z.string().optional(),
});

export type EmbeddingRequestBody = z.infer<typeof embeddingRequestSchema>;
