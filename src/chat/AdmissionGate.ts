import { settings } from "../config/settings.js";
import { DomainError } from "../errors/DomainError.js";

/**
 * Refuses a request the model could not take (every sequence busy and the queue full) before any work is
 * done for it: no session read, no tokenizing. Under overload, refusals then cost next to nothing and the
 * requests that were accepted keep the model and the event loop to themselves.
 */
export class AdmissionGate {
  private inside = 0;

  /** Requests the runner takes at once, generating and waiting (Infinity: no limit). */
  constructor(private readonly capacity: () => number) {}

  get admitted(): number {
    return this.inside;
  }

  /** Enters or throws queue_full; the returned release must be called exactly once. */
  enter(): () => void {
    const capacity = this.capacity();
    if (this.inside >= capacity) {
      throw new DomainError(
        "queue_full",
        `The server is busy: ${capacity} requests are already being served or waiting for the model (${settings.maxQueue.name}).`,
        { retryAfterSeconds: 2 },
      );
    }
    this.inside += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inside -= 1;
    };
  }
}
