import { ChatMutex } from "./ChatMutex.js";
import type { ChatLease, ChatLock } from "./ChatLock.js";

/** Never aborts: an in-process lock cannot be lost while held. */
const NEVER = new AbortController().signal;

/** The chat lock of one process (the default): a ChatMutex, so nothing to fence. */
export class InProcessChatLock implements ChatLock {
  private readonly mutex = new ChatMutex();

  async users(name: string): Promise<number> {
    return this.mutex.users(name);
  }

  async acquire(name: string, signal?: AbortSignal): Promise<ChatLease> {
    const release = await this.mutex.acquire(name, signal);
    return { fence: undefined, lost: NEVER, release };
  }
}
