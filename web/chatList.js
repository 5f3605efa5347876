// @ts-check

/** The sidebar's list of stored chats, one button each; the open chat is marked `aria-current`. */
export class ChatList {
  /**
   * @param {HTMLUListElement} list
   * @param {(chatId: string) => void} open
   */
  constructor(list, open) {
    this.list = list;
    this.open = open;
    this.disabled = false;
  }

  /**
   * Newest first: the server lists ids sorted, and the ids this page makes start with their date and time.
   * @param {readonly string[]} chatIds
   * @param {string} currentId
   */
  render(chatIds, currentId) {
    this.list.replaceChildren(
      ...[...chatIds].reverse().map((chatId) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = chatId;
        button.disabled = this.disabled;
        if (chatId === currentId) button.setAttribute("aria-current", "true");
        button.addEventListener("click", () => this.open(chatId));
        const item = document.createElement("li");
        item.append(button);
        return item;
      }),
    );
  }

  /** @param {boolean} disabled while a reply streams, the open chat stays put */
  setDisabled(disabled) {
    this.disabled = disabled;
    for (const button of this.list.querySelectorAll("button")) button.disabled = disabled;
  }
}
