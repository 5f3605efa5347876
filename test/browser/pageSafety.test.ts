import { afterEach, describe, expect, it } from "vitest";
import { openChatPage, type ChatPage } from "../support/chatPage.js";
import { chromiumAvailable, useRunnerAndChromium } from "../support/chromium.js";
import { ScriptedRunner } from "../support/ScriptedRunner.js";
import { startTestServer, TEST_KEY, type TestServer, type TestServerOptions } from "../support/startTestServer.js";

/** A reply the random test model cannot be asked for: Markdown with script injection attempts in it. */
const HOSTILE_REPLY = [
  "Here is **bold**, a list and code:\n\n- one\n- two\n\n```js\nconsole.log(1);\n```\n\n",
  "<img src=x onerror=alert(1)>\n\n",
  "[click me](javascript:alert(2)) and <a href=\"javascript:alert(3)\">this</a> ",
  "<script>alert(4)</script><svg onload=alert(5)></svg>",
];

describe.skipIf(!chromiumAvailable())("the chat page's safety and error messages, in chromium", () => {
  const suite = useRunnerAndChromium();
  let server: TestServer;
  let chat: ChatPage;

  afterEach(async () => {
    expect(chat.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
    await chat.page.close();
    await server.close();
  });

  async function start(options: TestServerOptions): Promise<void> {
    server = await startTestServer(options);
    chat = await openChatPage(suite.browser.context, server);
  }

  it("renders a reply's Markdown and runs none of the scripts in it", async () => {
    await start({ runner: new ScriptedRunner(suite.runner, HOSTILE_REPLY) });
    await chat.enterKey(TEST_KEY);
    await chat.send("Show me some HTML");
    const reply = chat.lastReply();
    await reply.locator(".meta").getByText(/\d+ tokens/).waitFor();

    const text = reply.locator(".text");
    expect(await text.locator("strong").textContent()).toBe("bold");
    expect(await text.locator("li").allTextContents()).toEqual(["one", "two"]);
    expect(await text.locator("pre code").textContent()).toBe("console.log(1);\n");
    // Sanitised, not merely blocked by the Content-Security-Policy: the handlers and URLs are gone from the DOM.
    expect(await text.locator("img").evaluate((img) => img.getAttributeNames().sort())).toEqual(["src"]);
    expect(await text.locator("script, [onerror], [onload]").count()).toBe(0);
    expect(await text.locator("svg").evaluate((svg) => svg.getAttributeNames())).toEqual([]);
    const links = text.getByRole("link");
    expect(await links.count()).toBe(0);
    expect(await text.locator("a").evaluateAll((anchors) => anchors.map((a) => a.getAttribute("href")))).toEqual([null, null]);
    await text.getByText("click me").click();
    await text.getByText("this", { exact: true }).click();
    expect(chat.dialogs).toEqual([]);
    // A reply shows the server's count: the scripted runner yields one "token" per chunk.
    expect(await reply.locator(".meta").textContent()).toContain(`${HOSTILE_REPLY.length} tokens`);
    // The only CSP reports: DOMPurify's inert parse of the hostile markup (Chrome checks inline handlers even
    // there); no script of the page, and nothing in the live document, tried to run anything.
    const violations = await chat.violations();
    expect(violations.filter(({ directive, sourceFile }) => directive !== "script-src-attr" || !sourceFile.endsWith("/web/vendor/purify.js"))).toEqual([]);
    const otherErrors = new Set(chat.errors.filter((error) => !error.startsWith("Executing inline event handler violates")));
    // <img src=x> asks this server for /x, without a key (once per rendering of the reply so far).
    expect([...otherErrors]).toEqual(["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
  });

  it("says plainly when the key is wrong, and lets the right one in", async () => {
    await start({ runner: suite.runner });
    await chat.enterKey("wrong-key-0000");
    await chat.page.getByRole("alert").getByText("The server did not accept this API key. Check it and enter it again.").waitFor();
    expect(await chat.page.getByRole("button", { name: "New chat" }).isVisible()).toBe(false);
    expect(await chat.page.evaluate("sessionStorage.length")).toBe(0);

    await chat.enterKey(TEST_KEY);
    await chat.page.getByRole("button", { name: "New chat" }).waitFor();
    expect(await chat.page.getByRole("textbox", { name: "API key" }).isVisible()).toBe(false);
  });

  it("says when a rate-limited message can be sent again, and gives the message back", async () => {
    await start({ runner: new ScriptedRunner(suite.runner, ["Fine."]), env: { RATE_LIMIT_CHATS_PER_HOUR: "1" } });
    await chat.enterKey(TEST_KEY);
    await chat.send("first");
    await chat.lastReply().locator(".meta").getByText(/1 token$/).waitFor();
    await chat.send("second");
    const alert = chat.page.getByRole("alert");
    await alert.getByText(/^Rate limit exceeded: at most 1 chat requests per hour/).waitFor();
    expect(await alert.textContent()).toMatch(/You can try again in (60|59) minutes \(at \d\d:\d\d\)\.$/);
    expect(await chat.page.getByRole("textbox", { name: "Message" }).inputValue()).toBe("second");
    expect(await chat.page.getByRole("article", { name: "Your message" }).count()).toBe(1);
  });

  it("says that the model is still loading, and when to try again", async () => {
    await start({ noModel: true });
    await chat.enterKey(TEST_KEY);
    await chat.page.getByText("Loading test-model.gguf…").waitFor();
    await chat.send("too early");
    await chat.page
      .getByRole("alert")
      .getByText("The model is still loading; try again shortly. You can try again in 5 seconds.")
      .waitFor();
    expect(await chat.page.getByRole("textbox", { name: "Message" }).inputValue()).toBe("too early");
  });
});
