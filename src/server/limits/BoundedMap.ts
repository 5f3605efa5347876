/**
 * A Map that never holds more than `maxEntries`: koa-ratelimit's memory driver only ever adds keys, so one
 * entry per client IP would grow without end. On overflow, expired windows go first, then the oldest entries.
 */
export class BoundedMap<K, V extends { reset: number }> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.maxEntries) this.makeRoom();
    return super.set(key, value);
  }

  private makeRoom(): void {
    // `reset` is the end of the entry's window in seconds since the epoch (koa-ratelimit's format).
    const now = Date.now() / 1000;
    for (const [key, value] of this) if (value.reset < now) this.delete(key);
    while (this.size >= this.maxEntries) {
      const oldest = this.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }
}
