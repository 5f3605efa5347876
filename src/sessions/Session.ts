/**
 * Why a reply ended early: the client went away, the request timed out, the server shut down, the runner
 * failed after the reply had started, or the process died while generating it (found on the next start).
 */
export const INTERRUPT_REASONS = ["client_disconnected", "timeout", "shutdown", "error", "crash"] as const;
export type InterruptReason = (typeof INTERRUPT_REASONS)[number];

/** One exchange as GET /history shows it. `interrupted` says why a reply ended early, when it did. */
export interface Turn {
  user: string;
  assistant: string;
  interrupted?: InterruptReason;
  /**
   * The tokens the reply was generated as, and the model they belong to (internal: never in GET /history).
   * A prompt built from them matches the cache left by generating the reply, exactly, after a restart too.
   */
  tokens?: { model: string; ids: number[] };
}

/** A chat session is plain data: everything a prompt is built from, and nothing else. */
export interface Session {
  system_prompt: string | null;
  history: Turn[];
  /**
   * Index of the oldest turn still sent to the model. Kept so that once history outgrows the context, the
   * window moves in large steps and the prompt's prefix stays the same between those steps.
   */
  windowStart?: number;
}

/** A chat without its turns: what every turn reads and writes. */
export interface ChatMeta {
  system_prompt: string | null;
  windowStart: number;
  /** Turns stored, the one in progress included. */
  turnCount: number;
  /**
   * The index of a turn whose reply is still being generated: saved as it goes (marked "crash", which it is
   * if the process dies) and hidden from readers while its turn runs.
   */
  pending?: number;
}

export const emptySession = (): Session => ({ system_prompt: null, history: [] });

export const emptyMeta = (): ChatMeta => ({ system_prompt: null, windowStart: 0, turnCount: 0 });
