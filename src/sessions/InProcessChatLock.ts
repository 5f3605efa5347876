import { ChatMutex } from "./ChatMutex.js";
import type { ChatLease, ChatLock } from "./ChatLock.js";

/** Never aborts: an in-process lock cannot be lost while held. */
const NEVER = new AbortController().signal;

/**
 * The chat lock of one process (the default): a ChatMutex, so nothing to fence. It counts its users itself,
 * so that a waiter that gave up leaves the count at once, as it does from Redis (the mutex still passes the
 * lock through it when its turn comes).
 */
export class InProcessChatLock implements ChatLock {
  private readonly mutex = new ChatMutex();
  private readonly counts = new Map<string, number>();

  async users(name: string): Promise<number> {
    return this.counts.get(name) ?? 0;
  }

  async acquire(name: string, signal?: AbortSignal): Promise<ChatLease> {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      const count = (this.counts.get(name) ?? 1) - 1;
      if (count === 0) this.counts.delete(name);
      else this.counts.set(name, count);
    };
    try {
      const release = await this.mutex.acquire(name, signal);
      return {
        fence: undefined,
        lost: NEVER,
        release: () => {
          leave();
          release();
        },
      };
    } catch (error) {
      leave();
      throw error;
    }
  }
}
