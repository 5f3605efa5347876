import type { Fence } from "./ChatLock.js";
import type { ChatMeta, Session, Turn } from "./Session.js";

/** A chat of one owner: each API key name has its own chat ids; "" is the owner of keys without a name. */
export interface ChatKey {
  owner: string;
  chatId: string;
}

/** The turns a prompt is built from: the chat's meta and its turns from `meta.windowStart` on. */
export interface ChatWindow {
  meta: ChatMeta;
  turns: Turn[];
}

/** A page of chat ids, in id order. */
export interface ChatPage {
  /** At most this many ids (all when absent). */
  limit?: number | undefined;
  /** Only ids after this one. */
  after?: string | undefined;
}

/**
 * The port for session storage; KeyvSessionStore is the adapter (SQLite by default), RedisSessionStore the one
 * several replicas share. Writes made under a chat's lock pass its `fence`: a shared store applies them only
 * while that lock is still the writer's (else `lease_lost`), atomically; a store of one process ignores it.
 * Turns are stored one by one, so that a turn writes only itself and the chat's meta, however long the chat
 * has grown, and a prompt reads only the turns its window holds.
 */
export interface SessionStore {
  meta(key: ChatKey): Promise<ChatMeta | undefined>;
  /** The meta and the turns from its window start on; undefined for an unknown chat. */
  window(key: ChatKey): Promise<ChatWindow | undefined>;
  /** The whole chat: every turn. */
  get(key: ChatKey): Promise<Session | undefined>;
  /** Writes a whole chat (migrations, copies): its turns and meta. */
  set(key: ChatKey, session: Session): Promise<void>;
  /** Writes the meta alone (creating the chat when it does not exist). */
  setMeta(key: ChatKey, meta: ChatMeta, fence?: Fence): Promise<void>;
  /** Writes turn `index` (a new one, or one in progress again), then the meta that counts it. */
  saveTurn(key: ChatKey, index: number, turn: Turn, meta: ChatMeta, fence?: Fence): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(key: ChatKey, fence?: Fence): Promise<boolean>;
  /** The owner's chat ids, in order, without reading any chat. */
  listIds(owner: string, page?: ChatPage): Promise<string[]>;
  /** Every chat of every owner (copies between stores, counts). */
  listAll(): Promise<ChatKey[]>;
  close(): Promise<void>;
}
