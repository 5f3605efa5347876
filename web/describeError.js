// @ts-check
// Pure functions (no DOM): the unit tests import this file in Node.

/**
 * A failed request in the page's own words. `status` 0 means the server could not be reached.
 * @param {{ status: number, serverMessage: string, retryAfterSeconds: number | undefined }} failure
 * @param {Date} now
 * @returns {string}
 */
export function describeError({ status, serverMessage, retryAfterSeconds }, now = new Date()) {
  const retry = retryAfterSeconds === undefined ? "" : ` You can try again ${whenToRetry(retryAfterSeconds, now)}.`;
  switch (status) {
    case 0:
      return "Could not reach the server. Is it still running?";
    case 401:
      return "The server did not accept this API key. Check it and enter it again.";
    case 404:
      return "This chat does not exist (any more).";
    case 429:
      return `${withStop(serverMessage || "Too many requests.")}${retry}`;
    case 503:
      return `${withStop(serverMessage || "The server cannot take requests right now.")}${retry}`;
    default:
      return status >= 500
        ? `The server failed (${status}): ${withStop(serverMessage || "no details")} Details are in its log.`
        : withStop(serverMessage || `The server refused the request (${status}).`);
  }
}

/**
 * "in 12 seconds", "in 5 minutes (at 14:05)": a wait over a minute also names the clock time.
 * @param {number} seconds
 * @param {Date} now
 */
export function whenToRetry(seconds, now = new Date()) {
  if (seconds <= 1) return "now";
  if (seconds < 60) return `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  const at = new Date(now.getTime() + seconds * 1000);
  const clock = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  return `in ${minutes === 1 ? "a minute" : `${minutes} minutes`} (at ${clock})`;
}

/**
 * Retry-After as seconds: an integer, or an HTTP date (both are allowed by RFC 9110).
 * @param {string | null} header
 * @param {Date} now
 * @returns {number | undefined}
 */
export function parseRetryAfter(header, now = new Date()) {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** @param {string} text */
const withStop = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);
