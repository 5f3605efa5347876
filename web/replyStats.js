// @ts-check
// No DOM: the unit tests run this file in Node.

/**
 * When a reply's text arrived, measured in this browser (so the time to first token includes waiting for a
 * free slot and evaluating the prompt, as a user experiences it).
 */
export class ReplyClock {
  /** @param {number} sentAt performance.now() when the request was sent */
  constructor(sentAt) {
    this.sentAt = sentAt;
    /** @type {number | undefined} */
    this.firstTextAt = undefined;
    /** @type {number | undefined} */
    this.endedAt = undefined;
  }

  /** @param {number} now */
  text(now) {
    this.firstTextAt ??= now;
  }

  /** @param {number} now */
  end(now) {
    this.endedAt ??= now;
  }
}

/**
 * The line under a reply. Tokens are the server's count (the stream's usage); the rate is tokens after the
 * first over the time from the first to the last, as the server's own tokens/s metric computes it. A reply
 * without the server's count (stopped, cut short) shows the time to first token alone: no guessed numbers.
 * @param {ReplyClock} clock
 * @param {number | undefined} tokens
 * @returns {string}
 */
export function formatStats(clock, tokens) {
  if (clock.firstTextAt === undefined) return "";
  const parts = [`first token ${seconds(clock.firstTextAt - clock.sentAt)}`];
  if (tokens !== undefined) {
    parts.push(tokens === 1 ? "1 token" : `${tokens} tokens`);
    const span = (clock.endedAt ?? clock.firstTextAt) - clock.firstTextAt;
    if (tokens > 1 && span > 0) parts.push(`${((tokens - 1) / (span / 1000)).toFixed(1)} tokens/s`);
  }
  return parts.join(" · ");
}

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
