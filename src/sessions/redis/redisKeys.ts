/**
 * Every key this app keeps in Redis starts with "llama-api:". Sessions are Keyv entries ("<ns>::<key>", as
 * @keyv/redis names them), so that the Lua scripts that write them atomically use the very keys Keyv reads.
 */
export const PREFIX = "llama-api";
export const CHATS_NAMESPACE = `${PREFIX}:chats`;
export const TURNS_NAMESPACE = `${PREFIX}:turns`;

/** The lock of one chat (its name as the chat layer gives it), holding the holder's token. */
export const lockKey = (lock: string): string => `${PREFIX}:lock:${lock}`;
/** Who holds or waits for a chat's lock: a sorted set of tokens, scored by when each entry expires. */
export const usersKey = (lock: string): string => `${PREFIX}:users:${lock}`;
/** An owner's chat ids, in a sorted set with one score, so that they come in byte order, as SQLite keeps them. */
export const indexKey = (owner: string): string => `${PREFIX}:index:${owner}`;
/** The owners that have chats (for copies and counts). */
export const OWNERS_KEY = `${PREFIX}:owners`;
