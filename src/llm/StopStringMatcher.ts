/**
 * Holds back just enough generated text to recognise a stop string that arrives split across chunks, and cuts
 * the reply right before the first stop string found.
 */
export class StopStringMatcher {
  private pending = "";
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((stop) => stop.length));
  }

  /** Returns the text that is safe to emit now, and whether a stop string ended the reply. */
  push(text: string): { emit: string; stopped: boolean } {
    if (this.longest === 0) return { emit: text, stopped: false };
    this.pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      if (stop === "") continue;
      const index = this.pending.indexOf(stop);
      if (index !== -1 && (cut === -1 || index < cut)) cut = index;
    }
    if (cut !== -1) {
      const emit = this.pending.slice(0, cut);
      this.pending = "";
      return { emit, stopped: true };
    }
    const keep = Math.min(this.pending.length, this.longest - 1);
    const emit = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return { emit, stopped: false };
  }

  /** Text still held back when the reply ends for another reason. */
  flush(): string {
    const rest = this.pending;
    this.pending = "";
    return rest;
  }
}
