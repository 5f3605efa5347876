// @ts-check

/**
 * The page's element with this id, checked to be of the expected kind (index.html and the scripts stay in step).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
export function element(id, kind) {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`index.html has no ${kind.name} #${id}`);
  return found;
}

/**
 * Shows a text in an element, or hides the element when there is none.
 * @param {HTMLElement} target
 * @param {string} text
 */
export function showText(target, text) {
  target.textContent = text;
  target.hidden = text === "";
}
