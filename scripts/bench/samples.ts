import type { BackendId } from "./benchOptions.js";

export type ScenarioId = "single" | "conversation" | "interleaved" | "concurrent" | "busy" | "restart";
export type Mode = "stateless" | "chat_id";

/** One streamed reply as the JSON keeps it; everything the summaries use is derived from these. */
export interface Sample {
  backend: BackendId;
  scenario: ScenarioId;
  /** Sequences (llama-server slots) of the server that answered. */
  parallel: number;
  mode?: Mode;
  chat?: number;
  turn?: number;
  repeat?: number;
  /** Concurrent streams in flight, and this one's index (busy: the long replies running; 0 is the new request). */
  streams?: number;
  stream?: number;
  /** restart: the turn was the chat's first after its server restarted. */
  afterRestart?: boolean;
  ttftMs?: number;
  totalMs?: number;
  promptTokens?: number;
  cachedTokens?: number | null;
  promptEvaluated?: number;
  /** This turn's own tokens: the prompt less the previous turn's prompt and reply. */
  newTokens?: number;
  completionTokens?: number;
  /** completion_tokens − 1 over the time from the first to the last content chunk. */
  genTokensPerS?: number;
  serverTimings?: Record<string, number>;
  /** The first send failed before any response, for this reason; the times are the second send's. */
  retried?: string;
  error?: string;
}

/** One round of concurrent streams, measured from the first request sent to the last stream ended. */
export interface ConcurrentRound {
  backend: BackendId;
  parallel: number;
  streams: number;
  repeat: number;
  wallMs: number;
  completionTokens: number;
  aggregateTokensPerS: number;
}

export interface SkippedScenario {
  backend: BackendId;
  scenario: ScenarioId;
  parallel: number;
  mode?: Mode;
  reason: string;
}
