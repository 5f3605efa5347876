/** Longest the replies that have their next token wait for one that is only being handled in JavaScript. */
const MAX_WAIT_MS = 4;

type State = "handling" | "arrived" | "decoding";

/** One reply's place at the barrier, from its first token to its end. */
export interface StepMember {
  /** Its token came back from a batch: it is being handled (detokenized, written to the response). */
  received(): void;
  /** It asks for its next token: resolves when the others ask too (undefined: at once). */
  arrive(): Promise<void> | undefined;
  /** It ended, however it ended. */
  leave(): void;
}

/**
 * Keeps concurrent replies in one batch per token. node-llama-cpp's batch loop decodes whatever is queued when
 * a batch ends, and each reply queues its next token only once its last one has been handled in JavaScript:
 * replies that got out of step (one started while another was decoding) stay out of step, one batch each per
 * token (2.02 batches per step at 2 replies, 1.32 at 4: `scripts/batch-probe.ts`), while a batch of four costs
 * little more than a batch of one (about 31, 37, 44 ms for 1, 2, 4 on the bench model at 1 thread, once the
 * batch is in sequence id order: patches/README.md). Its
 * `dispatchSchedule` option cannot help: the loop does not consult it while it runs. Here a reply that has its
 * token waits until every other has its own (those still decoding arrive within the batch) and they ask
 * together; a reply that is only being handled, for instance one whose client reads slowly, is waited for
 * `MAX_WAIT_MS` at most.
 */
export class StepBarrier {
  private readonly states = new Set<{ state: State }>();
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** A reply joins at its first token (its prompt is no step the others should wait for). */
  join(): StepMember {
    const member: { state: State } = { state: "handling" };
    this.states.add(member);
    return {
      received: () => {
        member.state = "handling";
        this.check();
      },
      arrive: () => {
        if (this.states.size <= 1) {
          member.state = "decoding";
          return undefined;
        }
        member.state = "arrived";
        this.gate ??= gateOf();
        const { promise } = this.gate;
        this.check();
        return promise;
      },
      leave: () => {
        this.states.delete(member);
        this.check();
      },
    };
  }

  private check(): void {
    if (this.gate === undefined) return;
    const states = [...this.states].map((member) => member.state);
    if (states.every((state) => state === "arrived")) return this.release();
    if (!states.includes("decoding")) this.timer ??= setTimeout(() => this.release(), MAX_WAIT_MS);
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const member of this.states) if (member.state === "arrived") member.state = "decoding";
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }
}

function gateOf(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
