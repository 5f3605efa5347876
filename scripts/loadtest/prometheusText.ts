/** The samples of a Prometheus text exposition, by name with labels (`name{a="b"}`) as they appear. */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/**
 * A quantile of a histogram over the change between two scrapes, interpolated within its bucket the way
 * Prometheus' histogram_quantile() does. Undefined when nothing was observed in between.
 */
export function histogramQuantile(name: string, quantile: number, before: Map<string, number>, after: Map<string, number>): number | undefined {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of after) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key);
    if (match === null) continue;
    buckets.push({ le: match[1] === "+Inf" ? Infinity : Number(match[1]), count: value - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = quantile * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerLe;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.le : lowerLe + ((bucket.le - lowerLe) * (rank - lowerCount)) / inBucket;
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}

/** A counter's (or gauge's) change between two scrapes. */
export const delta = (name: string, before: Map<string, number>, after: Map<string, number>): number =>
  (after.get(name) ?? 0) - (before.get(name) ?? 0);
