import { describe, it } from "vitest";
import { RedisChatLock } from "../../src/sessions/redis/RedisChatLock.js";
import { connectToFreshRedis, REDIS_SERVER } from "../support/redisServer.js";
import { chatLockContract } from "./chatLock.contract.js";

if (REDIS_SERVER === undefined) describe.skip("RedisChatLock (chat lock contract): no redis-server", () => it("skipped"));
else {
  chatLockContract("RedisChatLock", async () => {
    const { connection, close } = await connectToFreshRedis();
    return { lock: new RedisChatLock(connection, 10_000), close };
  });
}
