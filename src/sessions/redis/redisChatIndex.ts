import type { ChatIndex } from "../sqliteChatIndex.js";
import type { RedisConnection } from "./RedisConnection.js";
import { indexKey, OWNERS_KEY } from "./redisKeys.js";

/**
 * An owner's chat ids in a sorted set of one score, so that a page is one ZRANGEBYLEX from where the last one
 * ended (in byte order, as the SQLite index lists them): GET /chats reads no session at all.
 */
export function redisChatIndex(redis: RedisConnection): ChatIndex {
  const { client } = redis;
  return {
    list: (owner, { limit, after }) =>
      redis.run(() =>
        client.zRangeByLex(indexKey(owner), after === undefined ? "-" : `(${after}`, "+", {
          LIMIT: { offset: 0, count: limit ?? -1 },
        }),
      ),
    all: () =>
      redis.run(async () => {
        const owners = (await client.sMembers(OWNERS_KEY)).sort();
        const pages = await Promise.all(owners.map((owner) => client.zRange(indexKey(owner), 0, -1)));
        return owners.flatMap((owner, index) => (pages[index] ?? []).map((chatId) => ({ owner, chatId })));
      }),
  };
}
