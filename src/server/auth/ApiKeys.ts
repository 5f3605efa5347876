import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

const KEY_FILE = "api-key";

/** The accepted API keys, compared in constant time. */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error("At least one API key is required: the server is never keyless");
    this.digests = keys.map(digest);
  }

  /**
   * Hashing both sides makes every comparison the same length; checking every key without an early exit keeps
   * the time independent of which key (if any) matched.
   */
  matches(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === "") return false;
    const given = digest(candidate);
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(given, known) || matched;
    return matched;
  }

  /**
   * Keys from LLAMA_API_KEY, or else the key stored in the data dir, created (random, mode 0600) on first start.
   * `created` is set only when a new key was just written, so that it is printed exactly once.
   */
  static async load(configured: readonly string[], dataDir: string): Promise<{ keys: ApiKeys; created?: string }> {
    if (configured.length > 0) return { keys: new ApiKeys(configured) };
    const file = path.join(dataDir, KEY_FILE);
    const stored = await fs.readFile(file, "utf8").then((text) => text.trim(), () => undefined);
    if (stored !== undefined && stored !== "") return { keys: new ApiKeys([stored]) };

    await fs.mkdir(dataDir, { recursive: true });
    const key = randomBytes(32).toString("base64url");
    await fs.writeFile(file, `${key}\n`, { mode: 0o600 });
    return { keys: new ApiKeys([key]), created: key };
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
