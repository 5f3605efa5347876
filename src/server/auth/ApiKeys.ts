import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { parseApiKeyEntry, type ApiKeyEntry } from "../../config/parseApiKeyEntry.js";

const KEY_FILE = "api-key";

/** The accepted API keys, compared in constant time, each with the owner of the chats it reaches. */
export class ApiKeys {
  private readonly known: Array<{ digest: Buffer; owner: string }>;

  /** Entries as LLAMA_API_KEY gives them: `key` or `name:key`. */
  constructor(entries: readonly string[]) {
    if (entries.length === 0) throw new Error("At least one API key is required: the server is never keyless");
    this.known = entries.map(parseApiKeyEntry).map(({ key, owner }: ApiKeyEntry) => ({ digest: digest(key), owner }));
  }

  /**
   * The owner of the candidate key ("" for a key without a name), or undefined when no key matches. Hashing
   * both sides makes every comparison the same length; checking every key without an early exit keeps the
   * time independent of which key (if any) matched.
   */
  ownerOf(candidate: string | undefined): string | undefined {
    if (candidate === undefined || candidate === "") return undefined;
    const given = digest(candidate);
    let owner: string | undefined;
    for (const known of this.known) {
      if (timingSafeEqual(given, known.digest)) owner ??= known.owner;
    }
    return owner;
  }

  matches(candidate: string | undefined): boolean {
    return this.ownerOf(candidate) !== undefined;
  }

  /**
   * Keys from LLAMA_API_KEY, or else the key stored in the data dir, created (random, mode 0600) on first start.
   * `created` is set only when a new key was just written, so that it is printed exactly once.
   */
  static async load(configured: readonly string[], dataDir: string): Promise<{ keys: ApiKeys; created?: string }> {
    if (configured.length > 0) return { keys: new ApiKeys(configured) };
    const file = path.join(dataDir, KEY_FILE);
    const stored = await fs.readFile(file, "utf8").then((text) => text.trim(), () => undefined);
    // A generated key is base64url: never a ":", so it is never read as a name.
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
