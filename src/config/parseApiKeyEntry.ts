/** A key as LLAMA_API_KEY gives it: `key`, or `name:key` for a key whose chats belong to that name. */
export interface ApiKeyEntry {
  /** "" for a key without a name: all of those share one owner, as a single key always did. */
  owner: string;
  key: string;
}

export const OWNER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Splits an entry at its first ":". A key that itself holds a ":" must therefore be given a name; a first
 * part that is not a valid name is an error rather than silently part of the key.
 */
export function parseApiKeyEntry(entry: string): ApiKeyEntry {
  const colon = entry.indexOf(":");
  if (colon === -1) return { owner: "", key: entry };
  const owner = entry.slice(0, colon);
  if (!OWNER_NAME_PATTERN.test(owner)) {
    throw new Error(`"${owner}" is not a key name (1-64 letters, digits, '_' or '-'; a key that contains ':' needs a name)`);
  }
  return { owner, key: entry.slice(colon + 1) };
}
