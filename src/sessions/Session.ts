/**
 * Why a reply ended early: the client went away, the request timed out, the server shut down, or the runner
 * failed after the reply had started.
 */
export const INTERRUPT_REASONS = ["client_disconnected", "timeout", "shutdown", "error"] as const;
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

export const emptySession = (): Session => ({ system_prompt: null, history: [] });
