import type { BrowserContext, Locator, Page } from "playwright-core";
import type { TestServer } from "./startTestServer.js";

export interface ChatPage {
  page: Page;
  /** Every URL the page requested: all must be the server's own. */
  requests: string[];
  /** Console errors and uncaught exceptions (a CSP or Trusted Types violation shows up here). */
  errors: string[];
  /** Every dialog the page opened, as "type: message" (an injected `alert` would be one). */
  dialogs: string[];
  /** Content-Security-Policy violations the page reported, with the script that caused each. */
  violations(): Promise<{ directive: string; sourceFile: string }[]>;
  /** The latest reply on screen. */
  lastReply(): Locator;
  /** Types into the message box and clicks Send. */
  send(message: string): Promise<void>;
  /** Enters the API key on the key form. */
  enterKey(key: string): Promise<void>;
}

/** Opens the chat page of a test server in a new tab, watching what it requests and reports. */
export async function openChatPage(context: BrowserContext, server: TestServer): Promise<ChatPage> {
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    // A confirmation (deleting a chat) is accepted; anything else is dismissed.
    void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss());
  });
  // Runs before the page's own scripts (and outside its CSP). Browser code as strings: this project's
  // TypeScript has no DOM types, and vitest would rewrite a function's source.
  await page.addInitScript({
    content: `window.violations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        window.violations.push({ directive: event.violatedDirective, sourceFile: event.sourceFile }));`,
  });
  await page.goto(server.url);
  return {
    page,
    requests,
    errors,
    dialogs,
    violations: () => page.evaluate("window.violations"),
    lastReply: () => page.getByRole("article", { name: "Reply" }).last(),
    async send(message) {
      await page.getByRole("textbox", { name: "Message" }).fill(message);
      await page.getByRole("button", { name: "Send" }).click();
    },
    async enterKey(key) {
      await page.getByRole("textbox", { name: "API key" }).fill(key);
      await page.getByRole("button", { name: "Continue" }).click();
    },
  };
}
