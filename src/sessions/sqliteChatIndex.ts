import type KeyvSqlite from "@keyv/sqlite";
import type { ChatKey, ChatPage } from "./SessionStore.js";

/** Lists an owner's chat ids from the store's keys alone. */
export interface ChatIndex {
  list(owner: string, page: ChatPage): Promise<string[]>;
  /** Every chat of every owner. */
  all(): Promise<ChatKey[]>;
}

/**
 * The listing query: a range of keys, read in order from the index on the key column. A named owner's chats
 * are the keys under "<namespace>:<owner>/"; the unnamed owner's are the keys without a "/".
 */
export function chatListQuery(table: string, namespace: string, owner: string, { limit, after }: ChatPage) {
  const prefix = `${namespace}:${owner === "" ? "" : `${owner}/`}`;
  const from = after === undefined ? prefix : `${prefix}${after}`;
  // Every key under the prefix sorts before the prefix followed by U+FFFF.
  const sql =
    `SELECT key FROM ${table} WHERE key ${after === undefined ? ">=" : ">"} ? AND key < ?` +
    `${owner === "" ? " AND instr(substr(key, ?), '/') = 0" : ""} ORDER BY key LIMIT ?`;
  const params = [from, `${prefix}\uffff`, ...(owner === "" ? [prefix.length + 1] : []), limit ?? -1];
  return { sql, params, prefix };
}

/**
 * @keyv/sqlite keeps every entry in one table, keyed `<namespace>:<key>` with an index on the key: listing
 * chats by a range of keys reads no session at all (Keyv's own iterator reads whole rows, ten at a time by
 * OFFSET, which made GET /chats quadratic in the number of chats).
 */
export function sqliteChatIndex(sqlite: KeyvSqlite, namespace: string): ChatIndex {
  const table = sqlite.opts.table ?? "keyv";
  return {
    async list(owner, page) {
      const { sql, params, prefix } = chatListQuery(table, namespace, owner, page);
      const rows = (await sqlite.query(sql, ...params)) as Array<{ key: string }>;
      return rows.map((row) => row.key.slice(prefix.length));
    },
    async all() {
      const prefix = `${namespace}:`;
      const rows = (await sqlite.query(`SELECT key FROM ${table} WHERE key >= ? AND key < ? ORDER BY key`, prefix, `${prefix}\uffff`)) as Array<{ key: string }>;
      return rows.map((row) => {
        const key = row.key.slice(prefix.length);
        const slash = key.indexOf("/");
        return slash === -1 ? { owner: "", chatId: key } : { owner: key.slice(0, slash), chatId: key.slice(slash + 1) };
      });
    },
  };
}
