// @ts-check
import { Api, ApiError, fetchHealth } from "./api.js";
import { newChatId } from "./chatId.js";
import { ChatList } from "./chatList.js";
import { CUT_SHORT, Conversation } from "./conversation.js";
import { element, showText } from "./dom.js";
import { askForKey, forgetKey, rememberKey, showApp, storedKey } from "./keyForm.js";
import { readCompletionStream, TruncatedReplyError } from "./readCompletionStream.js";
import { formatStats, ReplyClock } from "./replyStats.js";

const ui = {
  composer: element("composer", HTMLFormElement),
  message: element("message", HTMLTextAreaElement),
  send: element("send", HTMLButtonElement),
  stop: element("stop", HTMLButtonElement),
  error: element("error", HTMLElement),
  title: element("chat-title", HTMLElement),
  deleteChat: element("delete-chat", HTMLButtonElement),
  newChat: element("new-chat", HTMLButtonElement),
  systemForm: element("system-form", HTMLFormElement),
  systemPrompt: element("system-prompt", HTMLTextAreaElement),
  systemStatus: element("system-status", HTMLElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  modelStatus: element("model-status", HTMLElement),
  modelWarning: element("model-warning", HTMLElement),
};
const conversation = new Conversation(element("messages", HTMLElement));
const chatList = new ChatList(element("chats", HTMLUListElement), (chatId) => void run(() => openChat(chatId)));
const OPEN_CHAT = "llama-api-open-chat";

/** The chat on screen; `stored` is false for a new chat the server knows nothing of yet. */
let current = { id: newChatId(), stored: false };
/** @type {Api} */
let api;
/** Set while a reply streams: Stop aborts it. */
/** @type {AbortController | undefined} */
let streaming;

/** Signs in with the tab's key, or asks for one until the server accepts it. */
async function signIn(reason = "") {
  let key = reason === "" ? storedKey() : null;
  for (;;) {
    key ??= await askForKey(reason);
    try {
      const candidate = new Api(key);
      const chatIds = await candidate.listChats();
      rememberKey(key);
      api = candidate;
      showApp();
      ui.forgetKey.hidden = false;
      return chatIds;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      forgetKey();
      reason = error.message;
      key = null;
    }
  }
}

/**
 * Runs an action and shows its failure in plain words; a rejected key asks for the key again.
 * @param {() => Promise<void>} action
 */
async function run(action) {
  showText(ui.error, "");
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await signIn(error.message);
      await refreshList();
    } else {
      showText(ui.error, error instanceof Error ? error.message : String(error));
    }
  }
}

/** @param {readonly string[]} [chatIds] */
async function refreshList(chatIds) {
  const ids = chatIds ?? (await api.listChats());
  current.stored ||= ids.includes(current.id);
  chatList.render(ids, current.id);
  showChatHead();
}

/** @param {string} chatId */
async function openChat(chatId) {
  const { system_prompt, history } = await api.history(chatId);
  current = { id: chatId, stored: true };
  sessionStorage.setItem(OPEN_CHAT, chatId);
  conversation.show(history);
  ui.systemPrompt.value = system_prompt ?? "";
  showText(ui.systemStatus, "");
  await refreshList();
}

function startNewChat() {
  current = { id: newChatId(), stored: false };
  sessionStorage.removeItem(OPEN_CHAT);
  conversation.show([]);
  ui.systemPrompt.value = "";
  showText(ui.systemStatus, "");
  showChatHead();
  void run(() => refreshList());
  ui.message.focus();
}

function showChatHead() {
  ui.title.textContent = current.stored ? current.id : "New chat";
  ui.deleteChat.disabled = !current.stored || streaming !== undefined;
}

/** @param {boolean} busy */
function setStreaming(busy) {
  ui.send.disabled = busy;
  ui.stop.disabled = !busy;
  ui.newChat.disabled = busy;
  ui.systemForm.querySelector("button")?.toggleAttribute("disabled", busy);
  chatList.setDisabled(busy);
  showChatHead();
}

/** @param {string} text */
async function send(text) {
  const chat = current;
  const controller = new AbortController();
  streaming = controller;
  setStreaming(true);
  const mine = conversation.addUser(text);
  const reply = conversation.startReply();
  const clock = new ReplyClock(performance.now());
  /** @type {import("./replyStats.js").ServerCount | undefined} */
  let count;
  try {
    const body = await api.sendMessage(chat.id, text, controller.signal);
    sessionStorage.setItem(OPEN_CHAT, chat.id);
    for await (const event of readCompletionStream(body)) {
      if (event.type === "text" && clock.firstTextAt === undefined) {
        clock.text(performance.now());
        reply.status(`${formatStats(clock, undefined)} · generating…`);
      }
      if (event.type === "text") reply.append(event.text);
      if (event.type === "usage") count = { tokens: event.completionTokens, tokensPerSecond: event.tokensPerSecond };
    }
    reply.finish(formatStats(clock, count));
  } catch (error) {
    if (clock.firstTextAt === undefined) {
      // Nothing was generated, so nothing was stored: the message goes back into the box to send again.
      mine.remove();
      reply.remove();
      if (ui.message.value === "") ui.message.value = text;
      if (!controller.signal.aborted) throw error;
      showText(ui.error, "Stopped before the reply began: nothing was saved.");
    } else if (controller.signal.aborted) {
      reply.interrupt("client_disconnected", formatStats(clock, undefined));
    } else if (error instanceof TruncatedReplyError) {
      reply.interrupt(CUT_SHORT, formatStats(clock, undefined));
    } else {
      throw error;
    }
  } finally {
    streaming = undefined;
    setStreaming(false);
    await refreshList().catch(() => undefined);
  }
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.message.value;
  if (text.trim() === "" || streaming !== undefined) return;
  ui.message.value = "";
  void run(() => send(text));
});
ui.message.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.stop.addEventListener("click", () => streaming?.abort());
ui.newChat.addEventListener("click", startNewChat);
ui.deleteChat.addEventListener("click", () => {
  if (!confirm(`Delete the chat "${current.id}" and its whole history?`)) return;
  void run(async () => {
    await api.deleteChat(current.id);
    startNewChat();
  });
});
ui.systemForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.systemPrompt.value;
  void run(async () => {
    await api.setSystemPrompt(current.id, text.trim() === "" ? null : text);
    showText(ui.systemStatus, text.trim() === "" ? "Cleared." : "Saved.");
    await refreshList();
  });
});
ui.forgetKey.addEventListener("click", () => {
  forgetKey();
  location.reload();
});

/** The model's name and state from /health (public), polled until the model is ready. */
async function watchHealth() {
  try {
    const health = await fetchHealth();
    const ready = health.status === "ok";
    ui.modelStatus.textContent = ready
      ? `${health.model} · ${health.runner} runner`
      : health.status === "loading"
        ? `Loading ${health.model}…`
        : `${health.model} failed to load: see the server's log.`;
    showText(ui.modelWarning, health.warning === undefined ? "" : `The server's model is a ${health.warning}.`);
    if (!ready) setTimeout(() => void watchHealth(), 2000);
  } catch {
    ui.modelStatus.textContent = "Server unreachable";
    setTimeout(() => void watchHealth(), 5000);
  }
}

void watchHealth();
const chatIds = await signIn();
const reopen = sessionStorage.getItem(OPEN_CHAT);
if (reopen !== null && chatIds.includes(reopen)) await run(() => openChat(reopen));
else await refreshList(chatIds);
ui.message.focus();
