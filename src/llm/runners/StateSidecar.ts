import fs from "node:fs/promises";

/** What is written beside a saved KV state: enough to tell, before loading it, whether it may be loaded. */
export interface StateSidecar {
  version: 1;
  /** `modelFingerprint` of the model that computed the state. */
  fingerprint: string;
  /** The token ids the state holds, in order. */
  tokens: number[];
  /** SHA-256 (hex) and size of the state file as it was written. */
  sha256: string;
  bytes: number;
}

export type SidecarRead = { sidecar: StateSidecar; savedAt: number } | { problem: string };

/**
 * Reads and checks a sidecar and the size of its state file; `savedAt` (the sidecar's mtime) orders states
 * by how recently they were saved. The checksum itself is checked when the state is about to be loaded.
 */
export async function readStateSidecar(sidecarFile: string, stateFile: string, fingerprint: string): Promise<SidecarRead> {
  let parsed: unknown;
  let savedAt: number;
  try {
    const [text, stat] = await Promise.all([fs.readFile(sidecarFile, "utf8"), fs.stat(sidecarFile)]);
    parsed = JSON.parse(text);
    savedAt = stat.mtimeMs;
  } catch (error) {
    return { problem: `unreadable sidecar (${(error as Error).message})` };
  }
  if (!isSidecar(parsed)) return { problem: "the sidecar is not one this server writes" };
  if (parsed.fingerprint !== fingerprint) return { problem: `saved with another model (fingerprint ${parsed.fingerprint})` };
  const size = await fs.stat(stateFile).then((stat) => stat.size, () => undefined);
  if (size === undefined) return { problem: "its state file is missing" };
  if (size !== parsed.bytes) return { problem: `its state file has ${size} bytes, not the ${parsed.bytes} written (truncated)` };
  return { sidecar: parsed, savedAt };
}

function isSidecar(value: unknown): value is StateSidecar {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record["version"] === 1 &&
    typeof record["fingerprint"] === "string" &&
    typeof record["sha256"] === "string" &&
    /^[0-9a-f]{64}$/.test(record["sha256"]) &&
    Number.isSafeInteger(record["bytes"]) &&
    Array.isArray(record["tokens"]) &&
    record["tokens"].every((token) => Number.isSafeInteger(token) && (token as number) >= 0)
  );
}
