import { DomainError } from "../errors/DomainError.js";
import type { Runner } from "../llm/Runner.js";

export type ModelState = "loading" | "ready" | "failed";

/**
 * Holds the runner once the model has loaded. The server listens while the model loads: work that needs the
 * model asks `require()`, which refuses (model_unavailable, with a retry time) until it is ready.
 */
export class ModelHost {
  private runner: Runner | undefined;
  private current: ModelState = "loading";
  private disposed = false;

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

  /** Requests the runner takes at once (see Runner.capacity); no limit before it has loaded. */
  get capacity(): number {
    return this.runner?.capacity ?? Infinity;
  }

  /** Requests waiting for the model now. */
  get queueDepth(): number {
    return this.runner?.queueDepth ?? 0;
  }

  /** Serves the loaded runner from now on; one that arrives after dispose() (a signal during loading) is disposed. */
  async ready(runner: Runner): Promise<void> {
    if (this.disposed) {
      await runner.dispose();
      return;
    }
    this.runner = runner;
    this.current = "ready";
  }

  failed(): void {
    this.current = "failed";
  }

  /** Frees the model (idempotent); afterwards, work that asks for it is refused. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const runner = this.runner;
    this.runner = undefined;
    await runner?.dispose();
  }

  require(): Runner {
    if (this.runner !== undefined) return this.runner;
    if (this.disposed) throw new DomainError("shutting_down", "The server is shutting down.", { retryAfterSeconds: 5 });
    throw this.current === "loading"
      ? new DomainError("model_unavailable", "The model is still loading; try again shortly.", { retryAfterSeconds: 5 })
      : new DomainError("model_unavailable", "The model failed to load; see the server log.", { retryAfterSeconds: 60 });
  }
}
