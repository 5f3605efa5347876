import fs from "node:fs/promises";
import path from "node:path";
import Keyv from "keyv";
import KeyvSqlite from "@keyv/sqlite";
import type { Session } from "./Session.js";
import type { SessionStore } from "./SessionStore.js";

const NAMESPACE = "chats";

/** Sessions in Keyv. `open()` gives the default: a SQLite file in the data dir, in WAL mode. */
export class KeyvSessionStore implements SessionStore {
  private constructor(private readonly keyv: Keyv<Session>) {}

  static async open(dataDir: string): Promise<KeyvSessionStore> {
    await fs.mkdir(dataDir, { recursive: true });
    // Without a file URI @keyv/sqlite keeps everything in memory and loses it on restart.
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path.join(dataDir, "sessions.sqlite")}` });
    // WAL lets readers (GET /history) proceed while a turn is being written; busy_timeout waits out a lock
    // held by another process on the same file instead of failing with SQLITE_BUSY.
    await sqlite.query("PRAGMA journal_mode = WAL");
    await sqlite.query("PRAGMA busy_timeout = 5000");
    await sqlite.query("PRAGMA synchronous = NORMAL");
    const keyv = new Keyv<Session>({ store: sqlite, namespace: NAMESPACE });
    return new KeyvSessionStore(keyv);
  }

  static inMemory(): KeyvSessionStore {
    return new KeyvSessionStore(new Keyv<Session>({ namespace: NAMESPACE }));
  }

  async get(chatId: string): Promise<Session | undefined> {
    return this.keyv.get(chatId);
  }

  async set(chatId: string, session: Session): Promise<void> {
    await this.keyv.set(chatId, session);
  }

  async delete(chatId: string): Promise<boolean> {
    return this.keyv.delete(chatId);
  }

  async listIds(): Promise<string[]> {
    const ids: string[] = [];
    const iterator = this.keyv.iterator?.(NAMESPACE);
    if (iterator === undefined) return ids;
    for await (const [key] of iterator as AsyncIterable<[string, unknown]>) ids.push(key);
    return ids.sort();
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}
