import type { Runner } from "./Runner.js";
import { ModelUnavailableError } from "../server/httpErrors.js";

export type ModelState = "loading" | "ready" | "failed";

/**
 * Holds the runner once the model has loaded. The server listens while the model loads: routes that need the
 * model ask `require()`, which answers 503 with Retry-After until it is ready.
 */
export class ModelHost {
  private runner: Runner | undefined;
  private current: ModelState = "loading";

  constructor(
    /** Model file name (never a path), known before loading finishes. */
    readonly modelName: string,
    /** True when the served model is a generated test model whose output is noise. */
    readonly generated: boolean,
  ) {}

  get state(): ModelState {
    return this.current;
  }

  get runnerKind(): string | undefined {
    return this.runner?.kind;
  }

  /** Requests waiting for the model now. */
  get queueDepth(): number {
    return this.runner?.queueDepth ?? 0;
  }

  ready(runner: Runner): void {
    this.runner = runner;
    this.current = "ready";
  }

  failed(): void {
    this.current = "failed";
  }

  require(): Runner {
    if (this.runner !== undefined) return this.runner;
    throw this.current === "loading"
      ? new ModelUnavailableError("The model is still loading; try again shortly.", 5)
      : new ModelUnavailableError("The model failed to load; see the server log.", 60);
  }
}
