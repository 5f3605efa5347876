import { settings } from "../config/settings.js";

/**
 * llama.cpp refused the model file (a corrupt or incomplete file, an architecture it does not know). Start-up
 * reports it in one line, with llama.cpp's own reason, rather than as a stack trace.
 */
export class ModelLoadError extends Error {
  constructor(modelPath: string, reason: string, cause: unknown) {
    super(`llama.cpp could not load the model ${modelPath}: ${reason}. Set ${settings.model.name} to a complete GGUF model file.`, { cause });
    this.name = "ModelLoadError";
  }
}
