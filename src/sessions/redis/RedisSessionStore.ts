import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";
import { DomainError } from "../../errors/DomainError.js";
import type { Fence } from "../ChatLock.js";
import { chatKeyOf, KeyvSessionStore } from "../KeyvSessionStore.js";
import type { ChatMeta, Session, Turn } from "../Session.js";
import type { ChatKey, ChatPage, ChatWindow, SessionStore } from "../SessionStore.js";
import { redisChatIndex } from "./redisChatIndex.js";
import type { RedisConnection } from "./RedisConnection.js";
import { CHATS_NAMESPACE, indexKey, lockKey, OWNERS_KEY, TURNS_NAMESPACE } from "./redisKeys.js";

/**
 * Sets KEYS[4..] to ARGV[4..] and lists the chat, all at once, and only while the fence's token (ARGV[1], ""
 * for none) still holds the lock KEYS[1]. KEYS[2]: the owner's index, KEYS[3]: the owners; ARGV[2]: chat id,
 * ARGV[3]: owner.
 */
const FENCED_SET = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[i]) end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1`;

/** Deletes KEYS[3..] and unlists the chat ARGV[2], only while ARGV[1] holds the lock KEYS[1]; KEYS[2]: index. */
const FENCED_DELETE = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', unpack(KEYS, 3))
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`;

/**
 * Sessions in Redis through Keyv's Redis adapter, for several replicas: read as KeyvSessionStore reads them,
 * written by Lua scripts that apply a turn, its meta and the chat's place in the owner's index at once, and
 * only while the writer still holds the chat's lease (fencing): a replica that was paused or cut off past its
 * lease gets `lease_lost` and changes nothing that the next holder wrote.
 */
export class RedisSessionStore implements SessionStore {
  private readonly reader: KeyvSessionStore;
  private readonly chats: Keyv<ChatMeta | Session>;
  private readonly turns: Keyv<Turn>;

  constructor(private readonly redis: RedisConnection) {
    const keyv = <T>(namespace: string) => {
      const store = new KeyvRedis(redis.client, { namespace, throwOnErrors: true, throwOnConnectError: true });
      const kv = new Keyv<T>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
      // Failures are thrown to the caller; the events would only repeat them.
      store.on("error", () => undefined);
      kv.on("error", () => undefined);
      return kv;
    };
    this.chats = keyv<ChatMeta | Session>(CHATS_NAMESPACE);
    this.turns = keyv<Turn>(TURNS_NAMESPACE);
    // The connection is the caller's to close.
    this.reader = KeyvSessionStore.over(this.chats, this.turns, redisChatIndex(redis), async () => undefined);
  }

  meta(key: ChatKey): Promise<ChatMeta | undefined> {
    return this.redis.run(() => this.reader.meta(key));
  }

  window(key: ChatKey): Promise<ChatWindow | undefined> {
    return this.redis.run(() => this.reader.window(key));
  }

  get(key: ChatKey): Promise<Session | undefined> {
    return this.redis.run(() => this.reader.get(key));
  }

  listIds(owner: string, page?: ChatPage): Promise<string[]> {
    return this.reader.listIds(owner, page);
  }

  listAll(): Promise<ChatKey[]> {
    return this.reader.listAll();
  }

  async set(key: ChatKey, session: Session): Promise<void> {
    const meta: ChatMeta = { system_prompt: session.system_prompt, windowStart: session.windowStart ?? 0, turnCount: session.history.length };
    await this.write(key, undefined, [...session.history.map((turn, index) => this.turnEntry(key, index, turn)), this.metaEntry(key, meta)]);
  }

  setMeta(key: ChatKey, meta: ChatMeta, fence?: Fence): Promise<void> {
    return this.write(key, fence, [this.metaEntry(key, meta)]);
  }

  saveTurn(key: ChatKey, index: number, turn: Turn, meta: ChatMeta, fence?: Fence): Promise<void> {
    return this.write(key, fence, [this.turnEntry(key, index, turn), this.metaEntry(key, meta)]);
  }

  async delete(key: ChatKey, fence?: Fence): Promise<boolean> {
    const meta = await this.meta(key);
    if (meta === undefined) return false;
    const chatKey = chatKeyOf(key);
    // One past the count too: a turn whose meta write never came.
    const turnKeys = Array.from({ length: meta.turnCount + 1 }, (_, index) => this.turnKey(key, index));
    const keys = [lockKey(fence?.lock ?? ""), indexKey(key.owner), this.redisKey(this.chats, chatKey), ...turnKeys];
    const applied = await this.redis.run(() => this.redis.client.eval(FENCED_DELETE, { keys, arguments: [fence?.token ?? "", key.chatId] }));
    if (applied !== 1) throw leaseLost(key);
    return true;
  }

  /** The connection is shared with the locks and limits: its owner closes it. */
  async close(): Promise<void> {}

  private async write(key: ChatKey, fence: Fence | undefined, entries: Array<Promise<[string, string]>>): Promise<void> {
    const pairs = await Promise.all(entries);
    const keys = [lockKey(fence?.lock ?? ""), indexKey(key.owner), OWNERS_KEY, ...pairs.map(([redisKey]) => redisKey)];
    const args = [fence?.token ?? "", key.chatId, key.owner, ...pairs.map(([, value]) => value)];
    const applied = await this.redis.run(() => this.redis.client.eval(FENCED_SET, { keys, arguments: args }));
    if (applied !== 1) throw leaseLost(key);
  }

  private turnKey(key: ChatKey, index: number): string {
    return this.redisKey(this.turns, `${chatKeyOf(key)}#${index}`);
  }

  private turnEntry(key: ChatKey, index: number, turn: Turn): Promise<[string, string]> {
    return entry(this.turns, this.turnKey(key, index), turn);
  }

  private metaEntry(key: ChatKey, meta: ChatMeta): Promise<[string, string]> {
    return entry(this.chats, this.redisKey(this.chats, chatKeyOf(key)), meta);
  }

  /** The Redis key @keyv/redis stores a Keyv key under. */
  private redisKey(keyv: Keyv, key: string): string {
    const store = keyv.store as KeyvRedis<unknown>;
    return store.createKeyPrefix(key, store.namespace);
  }
}

/** A value as Keyv itself serializes it (no expiry), so that Keyv reads what the scripts wrote. */
async function entry<T>(keyv: Keyv<T>, redisKey: string, value: T): Promise<[string, string]> {
  const serialized = await keyv.serialize!({ value, expires: undefined });
  return [redisKey, serialized];
}

function leaseLost({ chatId }: ChatKey): DomainError {
  return new DomainError("lease_lost", `Chat '${chatId}' was not saved: this replica's lease on it ran out and another may hold it.`);
}
