import { settings } from "../config/settings.js";
import { DomainError } from "../errors/DomainError.js";
import type { InterruptReason } from "../sessions/Session.js";

/** A turn cut short while this process runs, by something other than a runner failure. */
export type StopReason = Exclude<InterruptReason, "error" | "crash">;

const MESSAGES: Record<StopReason, string> = {
  client_disconnected: "The client disconnected.",
  timeout: `The request timed out (${settings.requestTimeoutSeconds.name}) before a reply could start.`,
  shutdown: "The server is shutting down.",
};

/**
 * The reason a turn's signal aborts with. Before any text was sent it is the request's answer (one the client
 * may retry; nobody hears it when the client has left); after that its reason is stored with the turn.
 */
export class TurnInterrupted extends DomainError {
  constructor(readonly reason: StopReason) {
    super("interrupted", MESSAGES[reason], { retryAfterSeconds: 5 });
  }
}

/** Why the signal aborted, when it aborted with a TurnInterrupted. */
export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  return signal.aborted && signal.reason instanceof TurnInterrupted ? signal.reason.reason : undefined;
}
