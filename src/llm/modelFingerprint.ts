import { createHash } from "node:crypto";
import fs from "node:fs/promises";

// The GGUF header (metadata and vocabulary) plus the first tensors: enough to tell two models apart, and
// cheap to read at start-up even for a file of many gigabytes.
const HEAD_BYTES = 4 * 1024 * 1024;

/** A short id of a model file's exact contents: stored token ids are only ever reused with the same model. */
export async function modelFingerprint(modelPath: string): Promise<string> {
  const handle = await fs.open(modelPath, "r");
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return createHash("sha256").update(head).update(String(size)).digest("hex").slice(0, 16);
  } finally {
    await handle.close();
  }
}
