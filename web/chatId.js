// @ts-check
// No DOM: the unit tests run this file in Node.

/**
 * An id for a chat started on this page: `chat-20250102-143012-k3f9`, local time and four random characters.
 * Readable and sorted by age, and free of message text (chat ids appear in the server's logs, messages never do).
 * @param {Date} now
 * @param {() => number} random in [0, 1)
 */
export function newChatId(now = new Date(), random = Math.random) {
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const date = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}`;
  const time = `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  const suffix = Array.from({ length: 4 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(random() * 36)]).join("");
  return `chat-${date}-${time}-${suffix}`;
}
