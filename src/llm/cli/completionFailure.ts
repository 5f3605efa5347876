import { DomainError } from "../../errors/DomainError.js";

/**
 * What the client is told when llama-completion exits with an error: a reason read from its stderr, never the
 * stderr itself (it holds paths); that goes to the log.
 */
export function completionFailure(stderr: string, exit: number | string | null, afterOutput: boolean): DomainError {
  if (/error loading model|failed to load model|unable to load model/.test(stderr)) {
    return new DomainError("runner_failed", "llama.cpp could not load the model; see the server log.");
  }
  if (/prompt is too long/.test(stderr)) {
    return new DomainError("runner_failed", "The prompt is too long for llama.cpp's context; see the server log.");
  }
  const when = afterOutput ? "while generating" : "before any output";
  return new DomainError("runner_failed", `llama.cpp exited with ${exit} ${when}; see the server log.`);
}
