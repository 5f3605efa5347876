/**
 * A Map that never holds more than `maxEntries`: rate-limit windows are kept per client IP, and without a bound
 * one entry per IP an attacker can make up (IPv6 gives plenty) would grow without end. On overflow, expired windows go first, then the oldest entries.
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
    // `reset` is the end of the entry's window in seconds since the epoch.
    const now = Date.now() / 1000;
    for (const [key, value] of this) if (value.reset < now) this.delete(key);
    while (this.size >= this.maxEntries) {
      const oldest = this.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }
}
