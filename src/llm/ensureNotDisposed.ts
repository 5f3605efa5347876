import { DomainError } from "../errors/DomainError.js";

/** The refusal of a runner that has been disposed (node-llama-cpp's `_ensureNotDisposed`, as a domain error). */
export function ensureNotDisposed(disposed: boolean): void {
  if (disposed) throw new DomainError("model_unavailable", "The model has been unloaded.", { retryAfterSeconds: 5 });
}
