/**
 * One lock per chat id: requests on the same chat run one after another, requests on different chats never
 * wait for each other. Entries are removed as soon as nobody holds or waits for them, so memory stays bounded
 * by the number of chats in use.
 */
export class ChatMutex {
  private readonly tails = new Map<string, { tail: Promise<void>; users: number }>();

  /** Number of requests holding or waiting for the chat's lock (a waiter that gave up no longer counts). */
  users(chatId: string): number {
    return this.tails.get(chatId)?.users ?? 0;
  }

  /** Waits for the chat's lock and resolves with its release function (call it exactly once). */
  async acquire(chatId: string, signal?: AbortSignal): Promise<() => void> {
    const entry = this.tails.get(chatId) ?? { tail: Promise.resolve(), users: 0 };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = entry.tail;
    entry.tail = previous.then(() => held);
    entry.users += 1;
    this.tails.set(chatId, entry);

    const leave = () => {
      entry.users -= 1;
      if (entry.users === 0 && this.tails.get(chatId) === entry) this.tails.delete(chatId);
    };
    const done = () => {
      release();
      leave();
    };

    if (signal === undefined) {
      await previous;
      return onceOnly(done);
    }
    try {
      await raceAbort(previous, signal);
    } catch (error) {
      // A waiter that gave up stops counting at once; still queued behind `previous`, it passes the lock
      // straight through when its turn comes.
      leave();
      void previous.then(release);
      throw error;
    }
    return onceOnly(done);
  }
}

function onceOnly(fn: () => void): () => void {
  let called = false;
  return () => {
    if (!called) {
      called = true;
      fn();
    }
  };
}

function raceAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      reject,
    );
  });
}
