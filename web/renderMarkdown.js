// @ts-check
import { marked } from "/web/vendor/marked.js";
import DOMPurify from "/web/vendor/purify.js";

// Links in a reply open in a new tab and tell the target nothing about this page.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node instanceof Element && node.nodeName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/**
 * Model output is untrusted: Markdown to HTML with marked, then DOMPurify, which drops scripts, event-handler
 * attributes and `javascript:` URLs. It returns nodes rather than a string, so the page has no HTML sink of its
 * own (the Content-Security-Policy's Trusted Types enforce that). Forms and inline styles are dropped as well:
 * a reply should not be able to look like the page's own controls.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  return DOMPurify.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
    FORBID_ATTR: ["style"],
  });
}
