/**
 * node-llama-cpp found no native binary that loads on this host (no prebuilt one fits and there is no local
 * build). Distinct from a model that fails to load: only this makes LLAMA_RUNNER=auto fall back to the binary.
 */
export class NativeAddonUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`node-llama-cpp's native addon cannot load: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "NativeAddonUnavailableError";
  }
}
