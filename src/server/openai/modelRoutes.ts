import type Router from "@koa/router";
import { DomainError } from "../../errors/DomainError.js";

export interface ModelRouteDeps {
  /** The served model's id (LLAMA_MODEL_ALIAS or the file name). */
  id: () => string;
  /** Seconds since the epoch when the server started: the model's `created`. */
  created: number;
}

/** GET /v1/models and GET /v1/models/{id}: the one served model, in OpenAI's shapes. */
export function modelRoutes(router: Router, deps: ModelRouteDeps): void {
  const model = () => ({ id: deps.id(), object: "model", created: deps.created, owned_by: "llama-api" });

  router.get("/v1/models", (ctx) => {
    ctx.body = { object: "list", data: [model()] };
  });

  router.get("/v1/models/:model", (ctx) => {
    const id = ctx.params["model"]!;
    if (id !== deps.id()) {
      throw new DomainError("model_not_found", `The model '${id}' does not exist; this server serves '${deps.id()}'.`, { param: "model" });
    }
    ctx.body = model();
  });
}
