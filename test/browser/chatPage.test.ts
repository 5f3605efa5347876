import { afterEach, describe, expect, it } from "vitest";
import { openChatPage, type ChatPage } from "../support/chatPage.js";
import { chromiumAvailable, useRunnerAndChromium } from "../support/chromium.js";
import { GatedRunner } from "../support/GatedRunner.js";
import { turnsOf, until } from "../support/requests.js";
import { startTestServer, TEST_KEY, type TestServer } from "../support/startTestServer.js";

// The real runner on the test model, paused by GatedRunner where a test needs a reply still being generated.
describe.skipIf(!chromiumAvailable())("the chat page, in chromium, on the real runner", () => {
  const suite = useRunnerAndChromium();
  let server: TestServer;
  let gated: GatedRunner;
  let chat: ChatPage;

  /** A fresh server (so a fresh origin: empty sessionStorage) and the page, signed in. */
  async function start(): Promise<void> {
    // Paused once the reply has a letter or digit in it, so that there is text to see.
    gated = new GatedRunner(suite.runner, { pauseOnceTextMatches: /[A-Za-z0-9]/ });
    server = await startTestServer({ runner: gated, env: { LLAMA_MAX_TOKENS: "12" } });
    chat = await openChatPage(suite.browser.context, server);
    await chat.enterKey(TEST_KEY);
  }
  afterEach(async () => {
    gated?.open();
    // Only the server's own origin, and nothing went wrong in the page (a CSP violation would be an error).
    expect(chat.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
    expect(chat.errors).toEqual([]);
    await chat.page.close();
    await server.close();
  });

  const chatIds = async (): Promise<string[]> =>
    (await (await fetch(`${server.url}/chats`, { headers: server.headers })).json()).chat_ids;

  it("streams a reply: its first text shows while it is still being generated, then the server's token count", async () => {
    await start();
    await chat.send("Hello, model");
    const meta = chat.lastReply().locator(".meta");
    // The runner is paused (once its text has a letter or digit): this line shows only if the page reads as text arrives.
    await meta.getByText(/^first token \d+\.\d+ s · generating…$/).waitFor();
    // What the page shows is the text so far, rendered, while the runner is provably still generating.
    const soFar = gated.text;
    // A string, not a function: vitest would rewrite a function's `import()` into something the page lacks.
    const rendered = (markdown: string): Promise<string> =>
      chat.page.evaluate(`import("/web/renderMarkdown.js").then(({ renderMarkdown }) => {
        const element = document.createElement("div");
        element.append(renderMarkdown(${JSON.stringify(markdown)}));
        return element.innerHTML;
      })`);
    const text = chat.lastReply().locator(".text");
    await chat.page.waitForFunction(
      ([element, html]) => element?.innerHTML === html,
      [await text.elementHandle(), await rendered(soFar)] as const,
    );
    expect((await text.textContent())!.trim()).not.toBe("");
    expect(gated.text).toBe(soFar);
    expect(gated.finished).toBe(false);
    expect(await chat.page.getByRole("button", { name: "Stop" }).isEnabled()).toBe(true);
    expect(await chat.page.getByRole("button", { name: "Send" }).isEnabled()).toBe(false);

    gated.open();
    await meta.getByText(/tokens\/s$/).waitFor();
    // The server's own numbers: its token count, and its rate of the tokens after the first.
    const { generatedTokens, generationSeconds } = await gated.lastResult!;
    expect(generatedTokens).toBe(12);
    const rate = (Math.round(((generatedTokens - 1) / generationSeconds) * 1000) / 1000).toFixed(1);
    expect(await meta.textContent()).toMatch(new RegExp(`^first token \\d+\\.\\d+ s · 12 tokens · ${rate.replace(".", "\\.")} tokens/s$`));
    expect(gated.finished).toBe(true);
    expect(await chat.page.getByRole("article", { name: "Your message" }).textContent()).toContain("Hello, model");
    const chatId = (await chatIds())[0]!;
    expect(await turnsOf(server, chatId)).toEqual([{ user: "Hello, model", assistant: expect.any(String) }]);
  });

  it("after a reload, finds the chat in the list with its history, without asking for the key again", async () => {
    await start();
    gated.open();
    await chat.send("Remember me");
    await chat.lastReply().locator(".meta").getByText(/tokens\/s$/).waitFor();
    const shown = await chat.lastReply().locator(".text").innerHTML();
    const chatId = (await chatIds())[0]!;

    await chat.page.reload();
    await chat.page.getByRole("button", { name: "New chat" }).click();
    expect(await chat.page.getByRole("article").count()).toBe(0);
    expect(await chat.page.getByRole("textbox", { name: "API key" }).isVisible()).toBe(false);
    await chat.page.getByRole("list", { name: "Chats" }).getByRole("button", { name: chatId }).click();
    await chat.page.getByRole("article", { name: "Your message" }).getByText("Remember me").waitFor();
    expect(await chat.lastReply().locator(".text").innerHTML()).toBe(shown);
    await chat.page.getByRole("heading", { name: chatId }).waitFor();
  });

  it("stops a reply mid-way: the server saves the turn as interrupted, and the page says so, also after a reload", async () => {
    await start();
    await chat.send("Tell me everything");
    await chat.lastReply().locator(".meta").getByText(/generating…$/).waitFor();
    await chat.page.getByRole("button", { name: "Stop" }).click();
    await chat.lastReply().locator(".meta").getByText(/^Stopped before the end\. first token/).waitFor();

    const chatId = (await chatIds())[0]!;
    await until(async () => (await turnsOf(server, chatId)).length === 1);
    expect(await turnsOf(server, chatId)).toEqual([
      { user: "Tell me everything", assistant: expect.any(String), interrupted: "client_disconnected" },
    ]);

    await chat.page.reload();
    await chat.lastReply().locator(".meta").getByText("Stopped before the end.", { exact: true }).waitFor();
    expect(await chat.page.getByRole("button", { name: "Send" }).isEnabled()).toBe(true);
  });

  it("sets a new chat's system prompt, which GET /history then shows", async () => {
    await start();
    const field = chat.page.getByRole("textbox", { name: "System prompt" });
    await field.fill("You answer in one sentence.");
    await chat.page.getByRole("button", { name: "Save" }).click();
    await chat.page.getByText("Saved.").waitFor();

    const ids = await chatIds();
    expect(ids).toHaveLength(1);
    const chatId = ids[0]!;
    const history = await (await fetch(`${server.url}/history/${chatId}`, { headers: server.headers })).json();
    expect(history).toEqual({ system_prompt: "You answer in one sentence.", history: [] });
    await chat.page.getByRole("list", { name: "Chats" }).getByRole("button", { name: chatId }).waitFor();

    await field.fill("");
    await chat.page.getByRole("button", { name: "Save" }).click();
    await chat.page.getByText("Cleared.").waitFor();
    expect((await (await fetch(`${server.url}/history/${chatId}`, { headers: server.headers })).json()).system_prompt).toBeNull();
  });

  it("deletes a chat after asking", async () => {
    await start();
    gated.open();
    await chat.send("Soon gone");
    await chat.lastReply().locator(".meta").getByText(/tokens\/s$/).waitFor();
    const chatId = (await chatIds())[0]!;
    const listed = chat.page.getByRole("list", { name: "Chats" }).getByRole("button", { name: chatId });
    await listed.waitFor();

    await chat.page.getByRole("button", { name: "Delete chat" }).click();
    await listed.waitFor({ state: "detached" });
    expect(chat.dialogs).toEqual([`confirm: Delete the chat "${chatId}" and its whole history?`]);
    expect(await chatIds()).toEqual([]);
    expect((await fetch(`${server.url}/history/${chatId}`, { headers: server.headers })).status).toBe(404);
    expect(await chat.page.getByRole("article").count()).toBe(0);
    await chat.page.getByRole("heading", { name: "New chat" }).waitFor();
  });
});
