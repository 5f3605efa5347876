import path from "node:path";
import { parseApiKeyEntry } from "./parseApiKeyEntry.js";
import { ConfigError, settings, type Settings } from "./settings.js";

export type Config = Readonly<{ [K in keyof Settings]: ReturnType<Settings[K]["parse"]> }>;

/** Reads and validates every setting; a bad value throws a ConfigError naming the setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings)) {
    values[key] = spec.parse(env[spec.name]);
  }
  const config = values as { -readonly [K in keyof Config]: Config[K] };

  if (config.maxTokens > config.maxTokensLimit) {
    throw new ConfigError(
      settings.maxTokens.name,
      `${config.maxTokens} is above ${settings.maxTokensLimit.name} (${config.maxTokensLimit})`,
    );
  }
  for (const entry of config.apiKeys) {
    let key: string;
    try {
      ({ key } = parseApiKeyEntry(entry));
    } catch (error) {
      throw new ConfigError(settings.apiKeys.name, (error as Error).message);
    }
    if (key.length < 8) throw new ConfigError(settings.apiKeys.name, "every key needs at least 8 characters");
  }
  if (config.runner === "cli" && config.cliPath === undefined) {
    throw new ConfigError(settings.cliPath.name, `required when ${settings.runner.name}=cli (the llama-completion binary)`);
  }
  config.dataDir = path.resolve(config.dataDir);
  if (config.model !== undefined) config.model = path.resolve(config.model);
  return Object.freeze(config);
}

export { ConfigError };
