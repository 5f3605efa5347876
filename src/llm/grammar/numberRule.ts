import type { GbnfRules } from "./GbnfRules.js";
import { integerRange } from "./integerRange.js";
import { jsonFraction, jsonInteger, jsonNumber, MAX_DIGITS, MAX_MAGNITUDE } from "./jsonRules.js";

export interface NumberBounds {
  minimum?: number | undefined;
  maximum?: number | undefined;
  exclusiveMinimum?: number | undefined;
  exclusiveMaximum?: number | undefined;
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/**
 * The rule for an integer or a number within bounds, or undefined when the grammar cannot enforce them.
 * Integers: any range. Numbers with a fraction: unbounded, or integer bounds from 0 up (probabilities,
 * percentages, "positive"); other bounds are refused rather than approximated.
 */
export function numberRule(rules: GbnfRules, integer: boolean, bounds: NumberBounds): string | undefined {
  const low = tighter(bounds.minimum, bounds.exclusiveMinimum, -Infinity, (a, b) => a >= b);
  const high = tighter(bounds.maximum, bounds.exclusiveMaximum, Infinity, (a, b) => a <= b);
  if (low.value <= -MAX_MAGNITUDE && high.value >= MAX_MAGNITUDE) return integer ? jsonInteger(rules) : jsonNumber(rules);
  return integer ? integerRule(rules, low, high) : fractionRule(rules, low, high);
}

function integerRule(rules: GbnfRules, low: Bound, high: Bound): string | undefined {
  const first = Math.max(low.exclusive ? Math.floor(low.value) + 1 : Math.ceil(low.value), -MAX_MAGNITUDE);
  const last = Math.min(high.exclusive ? Math.ceil(high.value) - 1 : Math.floor(high.value), MAX_MAGNITUDE);
  if (first > last) return undefined;
  return rules.add(`integer-${first}-${last}`, integerRange(first, last));
}

function fractionRule(rules: GbnfRules, low: Bound, high: Bound): string | undefined {
  if (!Number.isInteger(low.value) || low.value < 0) return undefined;
  const top = Math.min(high.value, MAX_MAGNITUDE);
  if (!Number.isInteger(top)) return undefined;
  const fraction = jsonFraction(rules);
  const parts: string[] = [];
  // [low, top): an integer part below `top` with any fraction; low itself only with a non-zero one when exclusive.
  if (low.exclusive) {
    if (low.value < top) parts.push(`"${low.value}." [0-9]{0,${MAX_DIGITS - 1}} [1-9]`);
    if (low.value + 1 <= top - 1) parts.push(`${integerRange(low.value + 1, top - 1)} ${fraction}?`);
  } else if (low.value <= top - 1) {
    parts.push(`${integerRange(low.value, top - 1)} ${fraction}?`);
  }
  const topAllowed = !(high.exclusive && top === high.value) && (top > low.value || !low.exclusive);
  if (topAllowed && top >= low.value) parts.push(`"${top}" ("." "0"{1,${MAX_DIGITS}})?`);
  if (parts.length === 0) return undefined;
  return rules.add(`number-${low.exclusive ? "gt" : "ge"}${low.value}-${top}`, parts.join(" | "));
}

/** The tighter of an inclusive and an exclusive bound (absent ones are `none`). */
function tighter(inclusive: number | undefined, exclusive: number | undefined, none: number, isTighter: (a: number, b: number) => boolean): Bound {
  const a = inclusive ?? none;
  const b = exclusive ?? none;
  return exclusive !== undefined && isTighter(b, a) ? { value: b, exclusive: true } : { value: a, exclusive: false };
}
