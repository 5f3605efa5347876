/** The server's settings for fuzzing: two owners, and generation limits that keep accidental valid requests short. */
export const FUZZ_KEYS = ["fuzz-key-alice", "fuzz-key-plain"] as const;

export const FUZZ_ENV = {
  LLAMA_API_KEY: `alice:${FUZZ_KEYS[0]},${FUZZ_KEYS[1]}`,
  LLAMA_MAX_TOKENS: "4",
  LLAMA_MAX_TOKENS_LIMIT: "16",
  RATE_LIMIT_CHATS_PER_HOUR: "100000",
  RATE_LIMIT_AUTH_FAILURES_PER_HOUR: "100000",
  MAX_BODY_BYTES: "4096",
};
