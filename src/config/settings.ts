import os from "node:os";

/**
 * Every setting the server reads from the environment: its name, its default as documented, and how its raw
 * string becomes a value. This table is the only place that knows setting names (the README test reads it).
 */
export interface SettingSpec<T> {
  readonly name: string;
  /** The default as the README states it ("unset" where absence has a meaning of its own). */
  readonly defaultText: string;
  readonly parse: (raw: string | undefined) => T;
}

/** Thrown for a bad value; main prints its message as one line and exits. */
export class ConfigError extends Error {
  constructor(setting: string, problem: string) {
    super(`Invalid setting ${setting}: ${problem}`);
    this.name = "ConfigError";
  }
}

const blank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === "";

function text(name: string, fallback: string): SettingSpec<string> {
  return { name, defaultText: fallback, parse: (raw) => (blank(raw) ? fallback : raw.trim()) };
}

function optionalText(name: string): SettingSpec<string | undefined> {
  return { name, defaultText: "unset", parse: (raw) => (blank(raw) ? undefined : raw.trim()) };
}

function integer(name: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) {
  const spec: SettingSpec<number | undefined> = {
    name,
    defaultText: fallback === undefined ? "unset" : String(fallback),
    parse: (raw) => {
      if (blank(raw)) return fallback;
      const value = Number(raw.trim());
      if (!Number.isInteger(value)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
      if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
      return value;
    },
  };
  return spec;
}

function requiredInteger(name: string, fallback: number, min: number, max?: number): SettingSpec<number> {
  const spec = integer(name, fallback, min, max);
  return { ...spec, parse: (raw) => spec.parse(raw) ?? fallback };
}

function number(name: string, fallback: number, min: number, max: number): SettingSpec<number> {
  return {
    name,
    defaultText: String(fallback),
    parse: (raw) => {
      if (blank(raw)) return fallback;
      const value = Number(raw.trim());
      if (!Number.isFinite(value)) throw new ConfigError(name, `expected a number, got "${raw}"`);
      if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
      return value;
    },
  };
}

function boolean(name: string, fallback: boolean): SettingSpec<boolean> {
  return {
    name,
    defaultText: String(fallback),
    parse: (raw) => {
      if (blank(raw)) return fallback;
      const value = raw.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(value)) return true;
      if (["false", "0", "no", "off"].includes(value)) return false;
      throw new ConfigError(name, `expected true or false, got "${raw}"`);
    },
  };
}

function oneOf<const T extends string>(name: string, fallback: T, values: readonly T[]): SettingSpec<T> {
  return {
    name,
    defaultText: fallback,
    parse: (raw) => {
      if (blank(raw)) return fallback;
      const value = raw.trim().toLowerCase();
      const match = values.find((candidate) => candidate === value);
      if (match === undefined) throw new ConfigError(name, `expected one of ${values.join(", ")}, got "${raw}"`);
      return match;
    },
  };
}

function list(name: string): SettingSpec<string[]> {
  return {
    name,
    defaultText: "unset",
    parse: (raw) => (blank(raw) ? [] : raw.split(",").map((item) => item.trim()).filter((item) => item !== "")),
  };
}

function hostName(name: string): SettingSpec<string> {
  return { name, defaultText: "the host name", parse: (raw) => (blank(raw) ? os.hostname() : raw.trim()) };
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const settings = {
  model: optionalText("LLAMA_MODEL"),
  defaultModel: text("LLAMA_DEFAULT_MODEL", "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M"),
  modelAlias: optionalText("LLAMA_MODEL_ALIAS"),
  apiKeys: list("LLAMA_API_KEY"),
  host: text("HOST", "127.0.0.1"),
  port: requiredInteger("PORT", 8000, 0, 65535),
  dataDir: text("LLAMA_API_DATA_DIR", "./data"),
  contextSize: requiredInteger("LLAMA_CONTEXT_SIZE", 4096, 64),
  maxTokens: requiredInteger("LLAMA_MAX_TOKENS", 512, 1),
  maxTokensLimit: requiredInteger("LLAMA_MAX_TOKENS_LIMIT", 4096, 1),
  temperature: number("LLAMA_TEMPERATURE", 0.7, 0, 2),
  seed: integer("LLAMA_SEED", undefined, 0, 2 ** 32 - 1),
  threads: integer("LLAMA_THREADS", undefined, 1, 1024),
  parallel: integer("LLAMA_PARALLEL", undefined, 1, 64),
  maxQueue: requiredInteger("LLAMA_MAX_QUEUE", 64, 0),
  cacheRamMb: requiredInteger("LLAMA_CACHE_RAM_MB", 1024, 0),
  cacheDiskMb: requiredInteger("LLAMA_CACHE_DISK_MB", 4096, 0),
  gpu: oneOf("LLAMA_GPU", "auto", ["auto", "false"]),
  logLevel: oneOf("LOG_LEVEL", "info", LOG_LEVELS),
  metricsRequireKey: boolean("METRICS_REQUIRE_KEY", false),
  chatsPerHour: requiredInteger("RATE_LIMIT_CHATS_PER_HOUR", 20, 1),
  authFailuresPerHour: requiredInteger("RATE_LIMIT_AUTH_FAILURES_PER_HOUR", 100, 1),
  trustProxy: boolean("TRUST_PROXY", false),
  maxBodyBytes: requiredInteger("MAX_BODY_BYTES", 1_048_576, 64),
  maxMessageChars: requiredInteger("MAX_MESSAGE_CHARS", 32_000, 1),
  corsOrigins: list("CORS_ORIGINS"),
  allowedHosts: list("ALLOWED_HOSTS"),
  maxWaitingPerChat: requiredInteger("MAX_WAITING_PER_CHAT", 16, 0),
  requestTimeoutSeconds: number("LLAMA_REQUEST_TIMEOUT_S", 600, 0.001, 86_400),
  shutdownGraceSeconds: number("SHUTDOWN_GRACE_S", 10, 0, 3600),
  runner: oneOf("LLAMA_RUNNER", "auto", ["auto", "node", "cli"]),
  cliPath: optionalText("LLAMA_CLI_PATH"),
  redisUrl: optionalText("REDIS_URL"),
  leaseSeconds: requiredInteger("REDIS_LEASE_S", 10, 1, 15),
  replicaName: hostName("REPLICA_NAME"),
} as const;

export type Settings = typeof settings;
