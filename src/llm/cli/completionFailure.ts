import { RunnerFailedError } from "../../server/httpErrors.js";

/**
 * The client's answer when llama-completion exits with an error: 502 with a reason read from its stderr, never
 * the stderr itself (it holds paths); that goes to the log.
 */
export function completionFailure(stderr: string, exit: number | string | null, afterOutput: boolean): RunnerFailedError {
  if (/error loading model|failed to load model|unable to load model/.test(stderr)) {
    return new RunnerFailedError(502, "llama.cpp could not load the model; see the server log.");
  }
  if (/prompt is too long/.test(stderr)) {
    return new RunnerFailedError(502, "The prompt is too long for llama.cpp's context; see the server log.");
  }
  const when = afterOutput ? "while generating" : "before any output";
  return new RunnerFailedError(502, `llama.cpp exited with ${exit} ${when}; see the server log.`);
}
