/**
 * Finds the first of some trigger texts in text that arrives in pieces (a trigger may span pieces), and says
 * where in the piece that completes it the trigger ends.
 */
export class TriggerFinder {
  private tail = "";
  private readonly longest: number;

  constructor(private readonly triggers: readonly string[]) {
    this.longest = Math.max(0, ...triggers.map((trigger) => trigger.length));
  }

  /** The offset in `piece` just past the first trigger it completes, or undefined when none is complete yet. */
  push(piece: string): number | undefined {
    const window = this.tail + piece;
    let end: number | undefined;
    for (const trigger of this.triggers) {
      if (trigger === "") continue;
      const index = window.indexOf(trigger);
      if (index !== -1 && (end === undefined || index + trigger.length < end)) end = index + trigger.length;
    }
    this.tail = window.slice(Math.max(0, window.length - (this.longest - 1)));
    return end === undefined ? undefined : end - (window.length - piece.length);
  }
}
