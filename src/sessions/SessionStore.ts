import type { Session } from "./Session.js";

/** The port for session storage; KeyvSessionStore is the adapter (SQLite by default, Redis for scale-out). */
export interface SessionStore {
  get(chatId: string): Promise<Session | undefined>;
  set(chatId: string, session: Session): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(chatId: string): Promise<boolean>;
  listIds(): Promise<string[]>;
  close(): Promise<void>;
}
