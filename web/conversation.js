// @ts-check
import { renderMarkdown } from "./renderMarkdown.js";

/** How GET /history's `interrupted` reasons read under a reply. */
const INTERRUPTED = /** @type {Record<string, string>} */ ({
  client_disconnected: "Stopped before the end.",
  timeout: "Cut short: the request timed out.",
  shutdown: "Cut short: the server shut down.",
  error: "Cut short by a failure in the model runner.",
});

/** What a reply that ended early says when the page does not know why (the server stored the reason). */
export const CUT_SHORT = "Cut short by the server (a timeout, a shutdown or a failure); saved as it was.";

/** @param {string} reason */
const interruptedText = (reason) => (Object.hasOwn(INTERRUPTED, reason) ? INTERRUPTED[reason] : undefined) ?? `Interrupted (${reason}).`;

/** The messages of the open chat: the user's as plain text, the model's as sanitised Markdown. */
export class Conversation {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
  }

  /** @param {readonly import("./api.js").Turn[]} turns */
  show(turns) {
    this.container.replaceChildren();
    for (const turn of turns) {
      this.addUser(turn.user);
      const reply = new Reply(this.container);
      reply.append(turn.assistant);
      reply.finish(turn.interrupted === undefined ? "" : interruptedText(turn.interrupted));
    }
  }

  /**
   * @param {string} text
   * @returns {HTMLElement} the message, to take back if the server refuses it
   */
  addUser(text) {
    const message = article("user", "Your message", "You");
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    message.append(body);
    this.container.append(message);
    message.scrollIntoView({ block: "end" });
    return message;
  }

  startReply() {
    return new Reply(this.container);
  }
}

/** One reply of the model, rendered again as its text grows (at most once per frame). */
export class Reply {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.text = "";
    this.element = article("assistant", "Reply", "Model");
    this.element.setAttribute("aria-busy", "true");
    this.body = document.createElement("div");
    this.body.className = "text markdown";
    this.meta = document.createElement("p");
    this.meta.className = "meta";
    this.element.append(this.body, this.meta);
    container.append(this.element);
    /** @type {number | undefined} */
    this.frame = undefined;
  }

  /** @param {string} text */
  append(text) {
    this.text += text;
    this.frame ??= requestAnimationFrame(() => this.render());
  }

  /** @param {string} text the line under the reply while it streams */
  status(text) {
    this.meta.textContent = text;
  }

  /** @param {string} meta the stats line, or why the reply ended early */
  finish(meta) {
    this.meta.textContent = meta;
    this.element.removeAttribute("aria-busy");
    this.render();
  }

  /** @param {string} reason an `interrupted` reason of GET /history, or CUT_SHORT's text */
  interrupt(reason, stats = "") {
    this.finish([reason === CUT_SHORT ? reason : interruptedText(reason), stats].filter((part) => part !== "").join(" "));
    this.element.classList.add("interrupted");
  }

  remove() {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.element.remove();
  }

  render() {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    const container = this.element.parentElement;
    // Follow the reply only while the reader is at the bottom: scrolling up to read stays put.
    const following = container !== null && container.scrollHeight - container.scrollTop - container.clientHeight < 40;
    this.body.replaceChildren(renderMarkdown(this.text));
    if (following) this.element.scrollIntoView({ block: "end" });
  }
}

/**
 * @param {string} kind
 * @param {string} label
 * @param {string} who
 */
function article(kind, label, who) {
  const element = document.createElement("article");
  element.className = `turn ${kind}`;
  element.setAttribute("aria-label", label);
  const heading = document.createElement("p");
  heading.className = "who";
  heading.textContent = who;
  element.append(heading);
  return element;
}
