import type Router from "@koa/router";
import type { CompletionService } from "../../chat/CompletionService.js";
import type { EmbeddingInput } from "../../llm/Runner.js";
import { clientGone } from "../clientGone.js";
import type { ChatRateLimit } from "../limits/chatRateLimit.js";
import type { RequestFacts } from "../middleware/requestLog.js";
import type { EmbeddingRequestBody, embeddingRequestSchema } from "../schemas/embeddingRequestSchema.js";
import { validate } from "../validate.js";

export interface EmbeddingsRouteDeps {
  completions: CompletionService;
  rateLimit: ChatRateLimit;
  schema: typeof embeddingRequestSchema;
  model: () => string;
}

/** POST /v1/embeddings: one vector per input, as floats or as base64 of little-endian float32s. */
export function embeddingsRoute(router: Router, deps: EmbeddingsRouteDeps): void {
  router.post("/v1/embeddings", async (ctx) => {
    const body = validate(deps.schema, ctx.request.body);
    const { vectors, promptTokens } = await deps.completions.embed({
      inputs: inputsOf(body.input),
      clientGone: clientGone(ctx),
      admit: () => deps.rateLimit(ctx),
    });
    (ctx.state["facts"] as RequestFacts).promptTokens = promptTokens;
    const base64 = body.encoding_format === "base64";
    ctx.body = {
      object: "list",
      data: vectors.map((vector, index) => ({ object: "embedding", index, embedding: base64 ? toBase64(vector) : vector })),
      model: deps.model(),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    };
  });
}

/** A text, texts, a token list or token lists, as a list of inputs. */
function inputsOf(input: EmbeddingRequestBody["input"]): EmbeddingInput[] {
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "number")) return [input as number[]];
  return input as EmbeddingInput[];
}

function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}
