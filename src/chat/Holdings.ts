/**
 * What a turn holds until it ends (its tracker entry, its chat's lock, its place at the gate), released in
 * reverse order of taking, exactly once, however the turn ends.
 */
export class Holdings {
  private readonly releases: Array<() => void> = [];

  add(release: () => void): void {
    this.releases.push(release);
  }

  release(): void {
    for (const release of this.releases.splice(0).reverse()) release();
  }
}
