/**
 * Proof of holding a chat's lock that a shared store can check when it writes: the lock's name and the
 * holder's token. A store shared by several replicas writes only while the token is still the chat's holder.
 */
export interface Fence {
  lock: string;
  token: string;
}

/** A held chat lock. */
export interface ChatLease {
  /** What a store checks before writing for this holder; undefined where the lock is in-process (always held). */
  readonly fence: Fence | undefined;
  /** Aborts when the lock was lost while held (a lease that ran out): the holder must stop. */
  readonly lost: AbortSignal;
  /** Gives the lock back; idempotent. */
  release(): void;
}

/**
 * The port for per-chat locks: requests on one chat run one after another, on different chats never wait for
 * each other. InProcessChatLock is the adapter for one process; RedisChatLock one for several replicas.
 */
export interface ChatLock {
  /** Requests holding or waiting for the chat's lock (on every replica that shares it). */
  users(name: string): Promise<number>;
  /** Waits for the chat's lock until `signal` aborts (then rejects with its reason). */
  acquire(name: string, signal?: AbortSignal): Promise<ChatLease>;
}
