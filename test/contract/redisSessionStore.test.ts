import { describe, it } from "vitest";
import { RedisSessionStore } from "../../src/sessions/redis/RedisSessionStore.js";
import { connectToFreshRedis, REDIS_SERVER } from "../support/redisServer.js";
import { sessionStoreContract } from "./sessionStore.contract.js";

if (REDIS_SERVER === undefined) describe.skip("RedisSessionStore (session store contract): no redis-server", () => it("skipped"));
else {
  sessionStoreContract("RedisSessionStore", async () => {
    const { connection, close } = await connectToFreshRedis();
    return { store: new RedisSessionStore(connection), close };
  });
}
