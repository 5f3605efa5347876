import { BoundedMap } from "./BoundedMap.js";
import type { WindowCount, WindowCounter } from "./WindowCounter.js";

/** Fixed-window counts in this process's memory, bounded in entries (one per client IP and limit). */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows: BoundedMap<string, { count: number; reset: number }>;

  constructor(
    private readonly windowSeconds: number,
    maxEntries: number,
  ) {
    this.windows = new BoundedMap(maxEntries);
  }

  async increment(key: string): Promise<WindowCount> {
    const open = this.open(key);
    const entry = open ?? { count: 0, reset: Date.now() / 1000 + this.windowSeconds };
    entry.count += 1;
    if (open === undefined) this.windows.set(key, entry);
    return { count: entry.count, resetAt: entry.reset };
  }

  async decrement(key: string): Promise<void> {
    const entry = this.open(key);
    if (entry !== undefined && entry.count > 0) entry.count -= 1;
  }

  async peek(key: string): Promise<WindowCount | undefined> {
    const entry = this.open(key);
    return entry === undefined ? undefined : { count: entry.count, resetAt: entry.reset };
  }

  private open(key: string): { count: number; reset: number } | undefined {
    const entry = this.windows.get(key);
    return entry !== undefined && entry.reset > Date.now() / 1000 ? entry : undefined;
  }
}
