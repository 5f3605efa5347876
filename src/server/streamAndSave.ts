import type { Logger } from "pino";
import type { FinishReason, GenerationResult } from "../llm/Runner.js";
import { interruptReasonOf } from "./requestSignal.js";

export interface StreamAndSaveHooks {
  signal: AbortSignal;
  logger: Logger;
  /**
   * Called once the reply has ended, however it ended: the text the client was sent, why it ended early
   * (undefined when it ran to its end) and the runner's result (undefined when the runner failed).
   */
  finished: (reply: string, interrupted: string | undefined, outcome: GenerationResult | undefined) => Promise<void>;
  /** Called last, after `finished`, even when saving failed. */
  end: () => void;
}

/**
 * Passes a reply's chunks on to the client and, when the reply ends (its last chunk, a runner failure, or a
 * consumer that stops reading because the client went away), hands what was sent to `finished` to be saved.
 */
export async function* streamAndSave(
  first: IteratorResult<string>,
  rest: AsyncIterator<string>,
  result: Promise<GenerationResult>,
  hooks: StreamAndSaveHooks,
): AsyncGenerator<string, void, undefined> {
  let reply = "";
  let failure: unknown;
  let completed = false;
  try {
    let next = first;
    while (next.done !== true) {
      reply += next.value;
      yield next.value;
      next = await rest.next();
    }
    completed = true;
  } catch (error) {
    failure = error;
    hooks.logger.error({ err: error }, "generation failed after the reply had started");
    throw error;
  } finally {
    await rest.return?.();
    const outcome = await result.then((value) => value, () => undefined);
    const interrupted = interruptionReason(completed, failure, outcome?.finishReason, hooks.signal);
    try {
      await hooks.finished(reply, interrupted, outcome);
    } catch (error) {
      hooks.logger.error({ err: error }, "could not save the turn");
    } finally {
      hooks.end();
    }
    // A reply cut short by timeout or shutdown must not look complete: failing the stream makes the
    // response end without its terminating chunk, so the client sees a truncated transfer.
    if (completed && interrupted !== undefined && interrupted !== "client_disconnected") {
      throw hooks.signal.reason;
    }
  }
}

/**
 * Why a reply ended early, or undefined when it ran to its end. `completed` says the stream was read to its
 * last chunk; a consumer that stopped reading (the client went away) leaves it false.
 */
function interruptionReason(completed: boolean, failure: unknown, finish: FinishReason | undefined, signal: AbortSignal) {
  const aborted = interruptReasonOf(signal);
  if (completed && finish !== "abort") return undefined;
  if (failure !== undefined && aborted === undefined) return "error";
  return aborted ?? "client_disconnected";
}
