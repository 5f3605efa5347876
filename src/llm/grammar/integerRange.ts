/**
 * A GBNF expression for exactly the integers in [low, high], written without leading zeros (the classic
 * "numeric range as a pattern" split: by digit count, then by leading digit). Bounds must be safe integers.
 */
export function integerRange(low: number, high: number): string {
  const parts: string[] = [];
  if (low < 0) {
    const negativeHigh = Math.min(high, -1);
    parts.push(`"-" ${group(nonNegativeRange(-negativeHigh, -low))}`);
  }
  if (high >= 0) parts.push(...nonNegativeRange(Math.max(low, 0), high));
  return group(parts);
}

function group(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(" | ")})`;
}

/** Alternatives for [low, high], 0 <= low <= high, one per digit count. */
function nonNegativeRange(low: number, high: number): string[] {
  const parts: string[] = [];
  for (let digits = String(low).length; digits <= String(high).length; digits++) {
    const from = Math.max(low, digits === 1 ? 0 : 10 ** (digits - 1));
    const to = Math.min(high, 10 ** digits - 1);
    if (from <= to) parts.push(...sameLength(String(from), String(to)));
  }
  return parts;
}

/** Alternatives for the numbers from `low` to `high`, written with the same number of digits. */
function sameLength(low: string, high: string): string[] {
  if (low === high) return [`"${low}"`];
  const rest = low.length - 1;
  const first = Number(low[0]);
  const last = Number(high[0]);
  const lowRest = low.slice(1);
  const highRest = high.slice(1);
  const any = rest === 0 ? "" : ` [0-9]${rest === 1 ? "" : `{${rest}}`}`;
  if (first === last) return sameLength(lowRest, highRest).map((tail) => `"${first}" ${tail}`);
  const parts: string[] = [];
  // The lowest leading digit: its full tail range unless the tail is all zeros (then it joins the middle).
  let middleFrom = first;
  if (rest > 0 && !/^0+$/.test(lowRest)) {
    parts.push(...sameLength(lowRest, "9".repeat(rest)).map((tail) => `"${first}" ${tail}`));
    middleFrom = first + 1;
  }
  let middleTo = last;
  const highFull = rest === 0 || /^9+$/.test(highRest);
  if (!highFull) middleTo = last - 1;
  if (middleFrom <= middleTo) parts.push(`${digitClass(middleFrom, middleTo)}${any}`);
  if (!highFull) parts.push(...sameLength("0".repeat(rest), highRest).map((tail) => `"${last}" ${tail}`));
  return parts;
}

function digitClass(from: number, to: number): string {
  return from === to ? `"${from}"` : `[${from}-${to}]`;
}
