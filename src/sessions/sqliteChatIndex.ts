import type KeyvSqlite from "@keyv/sqlite";
import type { ChatPage } from "./SessionStore.js";

/** Lists an owner's chat ids from the store's keys alone. */
export interface ChatIndex {
  list(owner: string, page: ChatPage): Promise<string[]>;
}

/**
 * @keyv/sqlite keeps every entry in one table, keyed `<namespace>:<key>` with an index on the key: a range of
 * keys, read from that index in order, lists chats without reading a single session (Keyv's own iterator
 * reads whole rows, ten at a time by OFFSET, which made GET /chats quadratic in the number of chats).
 */
export function sqliteChatIndex(sqlite: KeyvSqlite, namespace: string): ChatIndex {
  const table = sqlite.opts.table ?? "keyv";
  return {
    async list(owner, { limit, after }) {
      // A named owner's chats are the keys under "<owner>/"; the unnamed owner's are the keys without a "/".
      const prefix = `${namespace}:${owner === "" ? "" : `${owner}/`}`;
      const from = after === undefined ? prefix : `${prefix}${after}`;
      // Every key under the prefix sorts before the prefix followed by U+FFFF.
      const to = `${prefix}\uffff`;
      const rows = (await sqlite.query(
        `SELECT key FROM ${table} WHERE key ${after === undefined ? ">=" : ">"} ? AND key < ?` +
          `${owner === "" ? " AND instr(substr(key, ?), '/') = 0" : ""} ORDER BY key LIMIT ?`,
        ...[from, to, ...(owner === "" ? [prefix.length + 1] : []), limit ?? -1],
      )) as Array<{ key: string }>;
      return rows.map((row) => row.key.slice(prefix.length));
    },
  };
}
