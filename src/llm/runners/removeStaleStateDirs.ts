import fs from "node:fs";
import path from "node:path";

export const STATE_DIR_PREFIX = "llama-api-kv-";

/** A state directory's name: the prefix, the pid of the process that owns it, and mkdtemp's suffix. */
export const stateDirPrefix = (pid: number): string => `${STATE_DIR_PREFIX}${pid}-`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the KV-cache directories that processes killed without their cleanup (`kill -9`, a crash) left in
 * `base` (/dev/shm: RAM). Directories of live processes are left alone, as are names it does not recognise.
 */
export function removeStaleStateDirs(base: string): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(base);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const match = new RegExp(`^${STATE_DIR_PREFIX}(\\d+)-`).exec(entry);
    if (match === null || isAlive(Number(match[1]))) continue;
    fs.rmSync(path.join(base, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
