// @ts-check
// No DOM: the unit tests run this file in Node.

/**
 * @typedef {{ tokens: number, tokensPerSecond: number | undefined }} ServerCount
 * The server's numbers for a reply that ran to its end: the stream's usage and llama.cpp-style timings.
 */

/**
 * When a reply's first text arrived, measured in this browser: the time to first token as the user waits for
 * it, queueing and prompt evaluation included.
 */
export class ReplyClock {
  /** @param {number} sentAt performance.now() when the request was sent */
  constructor(sentAt) {
    this.sentAt = sentAt;
    /** @type {number | undefined} */
    this.firstTextAt = undefined;
  }

  /** @param {number} now */
  text(now) {
    this.firstTextAt ??= now;
  }
}

/**
 * The line under a reply. The token count and the rate are the server's, measured where the tokens are made:
 * timed in the browser, a stream that the network delivers in bursts would show any rate at all. A reply
 * without them (stopped, cut short) shows the time to first token alone: no guessed numbers.
 * @param {ReplyClock} clock
 * @param {ServerCount | undefined} count
 * @returns {string}
 */
export function formatStats(clock, count) {
  if (clock.firstTextAt === undefined) return "";
  const parts = [`first token ${seconds(clock.firstTextAt - clock.sentAt)}`];
  if (count !== undefined) {
    parts.push(count.tokens === 1 ? "1 token" : `${count.tokens} tokens`);
    if (count.tokensPerSecond !== undefined) parts.push(`${count.tokensPerSecond.toFixed(1)} tokens/s`);
  }
  return parts.join(" · ");
}

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
