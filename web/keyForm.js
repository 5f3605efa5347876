// @ts-check
import { element, showText } from "./dom.js";

const STORAGE_KEY = "llama-api-key";

/**
 * The key lives in sessionStorage: it survives a reload, not the tab, and no other origin can read it.
 * @returns {string | null}
 */
export const storedKey = () => sessionStorage.getItem(STORAGE_KEY);

/** @param {string} key */
export const rememberKey = (key) => sessionStorage.setItem(STORAGE_KEY, key);

export const forgetKey = () => sessionStorage.removeItem(STORAGE_KEY);

/**
 * Shows the key form (and hides the app) until a key is entered.
 * @param {string} reason why the key is asked for again, shown as an alert; "" the first time
 * @returns {Promise<string>}
 */
export function askForKey(reason) {
  const form = element("key-form", HTMLFormElement);
  const input = element("key-input", HTMLInputElement);
  showText(element("key-error", HTMLElement), reason);
  element("app", HTMLElement).hidden = true;
  form.hidden = false;
  input.select();
  input.focus();
  return new Promise((resolve) => {
    /** @param {SubmitEvent} event */
    const submitted = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key === "") return;
      form.removeEventListener("submit", submitted);
      resolve(key);
    };
    form.addEventListener("submit", submitted);
  });
}

/** Hides the key form and shows the app. */
export function showApp() {
  element("key-form", HTMLFormElement).hidden = true;
  element("app", HTMLElement).hidden = false;
}
