/** One key's count in its current window. */
export interface WindowCount {
  count: number;
  /** When the window ends, in seconds since the epoch. */
  resetAt: number;
}

/**
 * Counts events per key in fixed windows: the port for both rate limits. MemoryWindowCounter is the adapter
 * for one process; a shared store's adapter makes one counter for several replicas.
 */
export interface WindowCounter {
  /** Adds one to the key's count (opening a window when there is none) and resolves with the new count. */
  increment(key: string): Promise<WindowCount>;
  /** Takes one back, within the same window (a request that was refused after all). */
  decrement(key: string): Promise<void>;
  /** The key's count, without changing it; undefined when it has no open window. */
  peek(key: string): Promise<WindowCount | undefined>;
}
