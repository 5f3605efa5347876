import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import { settings } from "../../src/config/settings.js";
import { PROJECT_ROOT } from "../support/paths.js";

describe("loadConfig", () => {
  it("gives the documented defaults with no settings at all", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      model: undefined,
      apiKeys: [],
      host: "127.0.0.1",
      port: 8000,
      dataDir: path.resolve("./data"),
      contextSize: 4096,
      maxTokens: 512,
      maxTokensLimit: 4096,
      temperature: 0.7,
      seed: undefined,
      threads: undefined,
      gpu: "auto",
      defaultModel: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
      logLevel: "info",
      metricsRequireKey: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("refuses LLAMA_RUNNER=cli without LLAMA_CLI_PATH, naming the setting", () => {
    expect(() => loadConfig({ LLAMA_RUNNER: "cli" })).toThrow(ConfigError);
    expect(() => loadConfig({ LLAMA_RUNNER: "cli" })).toThrow("LLAMA_CLI_PATH");
  });

  it("splits several API keys on commas", () => {
    expect(loadConfig({ LLAMA_API_KEY: "first-key-123, second-key-456" }).apiKeys).toEqual([
      "first-key-123",
      "second-key-456",
    ]);
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["LLAMA_CONTEXT_SIZE", "1.5"],
    ["LLAMA_TEMPERATURE", "3"],
    ["LLAMA_SEED", "-1"],
    ["LLAMA_GPU", "maybe"],
    ["LOG_LEVEL", "loud"],
    ["METRICS_REQUIRE_KEY", "perhaps"],
    ["LLAMA_MAX_TOKENS", "5000"],
    ["LLAMA_API_KEY", "short"],
    ["LLAMA_RUNNER", "gpu"],
  ])("rejects %s=%s with an error naming it", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it("every setting is documented in the README with its default", async () => {
    const readme = await fs.readFile(path.join(PROJECT_ROOT, "README.md"), "utf8");
    for (const spec of Object.values(settings)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${spec.name}\``));
      expect(row, `README row for ${spec.name}`).toBeDefined();
      expect(row, `default of ${spec.name}`).toContain(`\`${spec.defaultText}\``);
    }
  });
});
