import fs from "node:fs/promises";
import path from "node:path";
import Keyv from "keyv";
import KeyvSqlite from "@keyv/sqlite";
import { emptyMeta, type ChatMeta, type Session, type Turn } from "./Session.js";
import type { ChatKey, ChatPage, ChatWindow, SessionStore } from "./SessionStore.js";
import { sqliteChatIndex, type ChatIndex } from "./sqliteChatIndex.js";

/** Keyv namespaces: one row per chat (its meta), one per turn. */
const CHATS = "chats";
const TURNS = "turns";

/**
 * Chat ids never hold "/" or "#" (see the chat id pattern), and owner names never hold "/": so a named owner's
 * chats are the keys under "<owner>/", the unnamed owner's are the keys without "/" (the keys sessions had
 * before there were owners), and a turn's key is its chat's key, "#", and its index.
 */
export const chatKeyOf = ({ owner, chatId }: ChatKey): string => (owner === "" ? chatId : `${owner}/${chatId}`);
const turnKeyOf = (key: ChatKey, index: number): string => `${chatKeyOf(key)}#${index}`;

/** What was stored per chat before turns were stored one by one: the whole session in one row. */
const isLegacy = (value: ChatMeta | Session): value is Session => Array.isArray((value as Session).history);

/**
 * Sessions in Keyv. `open()` gives the default: a SQLite file in the data dir, in WAL mode. Whole sessions
 * stored by earlier versions are read as they are and rewritten turn by turn when their chat is next written.
 */
export class KeyvSessionStore implements SessionStore {
  private constructor(
    private readonly chats: Keyv<ChatMeta | Session>,
    private readonly turns: Keyv<Turn>,
    private readonly index: ChatIndex,
    private readonly closeAll: () => Promise<void>,
  ) {}

  /** Sessions in any Keyv store, listed by `index` (RedisSessionStore reads through this). */
  static over(chats: Keyv<ChatMeta | Session>, turns: Keyv<Turn>, index: ChatIndex, close: () => Promise<void>): KeyvSessionStore {
    return new KeyvSessionStore(chats, turns, index, close);
  }

  static async open(dataDir: string): Promise<KeyvSessionStore> {
    await fs.mkdir(dataDir, { recursive: true });
    // Without a file URI @keyv/sqlite keeps everything in memory and loses it on restart.
    const uri = `sqlite://${path.join(dataDir, "sessions.sqlite")}`;
    const open = async () => {
      const sqlite = new KeyvSqlite({ uri });
      // WAL lets readers (GET /history) proceed while a turn is being written; busy_timeout waits out a lock
      // held by another connection on the same file instead of failing with SQLITE_BUSY.
      await sqlite.query("PRAGMA journal_mode = WAL");
      await sqlite.query("PRAGMA busy_timeout = 5000");
      await sqlite.query("PRAGMA synchronous = NORMAL");
      return sqlite;
    };
    const chatsSqlite = await open();
    const turnsSqlite = await open();
    const chats = new Keyv<ChatMeta | Session>({ store: chatsSqlite, namespace: CHATS, throwOnErrors: true });
    const turns = new Keyv<Turn>({ store: turnsSqlite, namespace: TURNS, throwOnErrors: true });
    return new KeyvSessionStore(chats, turns, sqliteChatIndex(chatsSqlite, CHATS), async () => {
      await chats.disconnect();
      await turns.disconnect();
    });
  }

  async meta(key: ChatKey): Promise<ChatMeta | undefined> {
    const stored = await this.chats.get(chatKeyOf(key));
    if (stored === undefined) return undefined;
    return isLegacy(stored) ? legacyMeta(stored) : stored;
  }

  async window(key: ChatKey): Promise<ChatWindow | undefined> {
    const stored = await this.chats.get(chatKeyOf(key));
    if (stored === undefined) return undefined;
    if (isLegacy(stored)) {
      const meta = legacyMeta(stored);
      return { meta, turns: stored.history.slice(meta.windowStart) };
    }
    return { meta: stored, turns: await this.readTurns(key, stored.windowStart, stored.turnCount) };
  }

  async get(key: ChatKey): Promise<Session | undefined> {
    const stored = await this.chats.get(chatKeyOf(key));
    if (stored === undefined) return undefined;
    if (isLegacy(stored)) return stored;
    return {
      system_prompt: stored.system_prompt,
      history: await this.readTurns(key, 0, stored.turnCount),
      windowStart: stored.windowStart,
    };
  }

  async set(key: ChatKey, session: Session): Promise<void> {
    for (const [index, turn] of session.history.entries()) await this.turns.set(turnKeyOf(key, index), turn);
    await this.chats.set(chatKeyOf(key), {
      system_prompt: session.system_prompt,
      windowStart: session.windowStart ?? 0,
      turnCount: session.history.length,
    });
  }

  async setMeta(key: ChatKey, meta: ChatMeta): Promise<void> {
    await this.upgrade(key);
    await this.chats.set(chatKeyOf(key), meta);
  }

  async saveTurn(key: ChatKey, index: number, turn: Turn, meta: ChatMeta): Promise<void> {
    await this.upgrade(key);
    // The turn first: a crash between the two writes leaves a turn that no meta counts, written over later.
    await this.turns.set(turnKeyOf(key, index), turn);
    await this.chats.set(chatKeyOf(key), meta);
  }

  async delete(key: ChatKey): Promise<boolean> {
    const meta = await this.meta(key);
    if (meta === undefined) return false;
    await this.chats.delete(chatKeyOf(key));
    // One past the count too: a turn whose meta write a crash prevented.
    const turnKeys = Array.from({ length: meta.turnCount + 1 }, (_, index) => turnKeyOf(key, index));
    if (turnKeys.length > 0) await this.turns.deleteMany(turnKeys);
    return true;
  }

  listIds(owner: string, page: ChatPage = {}): Promise<string[]> {
    return this.index.list(owner, page);
  }

  listAll(): Promise<ChatKey[]> {
    return this.index.all();
  }

  close(): Promise<void> {
    return this.closeAll();
  }

  private async readTurns(key: ChatKey, from: number, to: number): Promise<Turn[]> {
    if (to <= from) return [];
    const keys = Array.from({ length: to - from }, (_, offset) => turnKeyOf(key, from + offset));
    const turns = await this.turns.getMany(keys);
    // A missing turn row means the file was damaged or edited by hand; an empty turn keeps the indices right.
    return turns.map((turn) => turn ?? { user: "", assistant: "", interrupted: "error" });
  }

  /** A whole session stored by an earlier version becomes turn rows and a meta before its chat is written to. */
  private async upgrade(key: ChatKey): Promise<void> {
    const stored = await this.chats.get(chatKeyOf(key));
    if (stored !== undefined && isLegacy(stored)) await this.set(key, stored);
  }
}

function legacyMeta(session: Session): ChatMeta {
  return { ...emptyMeta(), system_prompt: session.system_prompt, windowStart: session.windowStart ?? 0, turnCount: session.history.length };
}
