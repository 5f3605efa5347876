// npm run migrate-sessions -- --from <data dir> --to <redis url>
// Copies every session of a single server's data dir (sessions.sqlite) into Redis, for REDIS_URL: every chat
// of every owner, all its turns with their token ids. Chats already in Redis are left as they are (they may
// have moved on since), so running it twice changes nothing. Then checks that every chat is there, and that
// each one copied reads back exactly as it was.
import { existsSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { KeyvSessionStore } from "../src/sessions/KeyvSessionStore.js";
import { RedisConnection } from "../src/sessions/redis/RedisConnection.js";
import { RedisSessionStore } from "../src/sessions/redis/RedisSessionStore.js";

const { values } = parseArgs({ options: { from: { type: "string" }, to: { type: "string" } } });
if (values.from === undefined || values.to === undefined) {
  process.stderr.write("usage: npm run migrate-sessions -- --from <data dir> --to <redis url>\n");
  process.exit(2);
}
const file = path.join(path.resolve(values.from), "sessions.sqlite");
if (!existsSync(file)) {
  process.stderr.write(`No sessions to copy: ${file} does not exist.\n`);
  process.exit(2);
}

const source = await KeyvSessionStore.open(path.resolve(values.from));
const redis = await RedisConnection.open(values.to);
if (!(await redis.available())) {
  process.stderr.write(`Redis at ${values.to} does not answer; nothing was copied.\n`);
  await source.close();
  await redis.close();
  process.exit(1);
}
const target = new RedisSessionStore(redis);
try {
  const chats = await source.listAll();
  let copied = 0;
  const mismatched: string[] = [];
  for (const key of chats) {
    if ((await target.meta(key)) !== undefined) continue;
    const session = await source.get(key);
    if (session === undefined) continue;
    await target.set(key, session);
    copied += 1;
    const back = await target.get(key);
    if (!isDeepStrictEqual(back, { ...session, windowStart: session.windowStart ?? 0 })) mismatched.push(`${key.owner}/${key.chatId}`);
  }
  const there = new Set((await target.listAll()).map(({ owner, chatId }) => `${owner}/${chatId}`));
  const missing = chats.map(({ owner, chatId }) => `${owner}/${chatId}`).filter((name) => !there.has(name));
  process.stdout.write(
    `${chats.length} chats in ${file}: ${copied} copied, ${chats.length - copied} already in Redis; ` +
      `${chats.length - missing.length} of ${chats.length} verified in Redis.\n`,
  );
  if (missing.length > 0 || mismatched.length > 0) {
    process.stderr.write(`Missing in Redis: ${missing.join(", ") || "none"}; read back differently: ${mismatched.join(", ") || "none"}\n`);
    process.exitCode = 1;
  }
} finally {
  await source.close();
  await redis.close();
}
