import { describe, expect, it } from "vitest";
import { REDIS_SERVER } from "../support/redisServer.js";
import { chatTurn, HEADERS, historyOf, useReplicas } from "../support/replicas.js";

describe.skipIf(REDIS_SERVER === undefined)("two replicas on one Redis", () => {
  const cluster = useReplicas();
  const url = (index: number) => cluster.replicas[index % 2]!.url;

  it("sees a system prompt set through one replica on the other, and both list the same chats", async () => {
    const set = await fetch(`${url(0)}/history/shared/system_prompt`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({ system_prompt: "You are the shared pirate." }),
    });
    expect(set.status).toBe(200);
    const seen = await fetch(`${url(1)}/history/shared`, { headers: HEADERS });
    expect((await seen.json()).system_prompt).toBe("You are the shared pirate.");
    // The other replica's prompt for the next turn is built from it.
    const dryRun = await fetch(`${url(1)}/chat?dry_run=true`, { method: "POST", headers: HEADERS, body: JSON.stringify({ chat_id: "shared", message: "hi" }) });
    expect(await dryRun.text()).toContain("You are the shared pirate.");
    expect((await chatTurn(url(1), "shared-2", "hello")).response.status).toBe(200);
    const lists = await Promise.all(cluster.replicas.map(async (replica) => (await (await fetch(`${replica.url}/chats`, { headers: HEADERS })).json()).chat_ids));
    expect(lists[0]).toEqual(expect.arrayContaining(["shared", "shared-2"]));
    expect(lists[1]).toEqual(lists[0]);
  });

  it("stores exactly 10 turns, none twice, from 10 concurrent turns on one chat alternating between replicas", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => chatTurn(url(index), "busy", `turn ${index}`)));
    expect(results.map(({ response }) => response.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map(({ response }) => response.headers.get("X-Served-By")))).toEqual(new Set(["replica-1", "replica-2"]));
    for (const replica of cluster.replicas) {
      const history = await historyOf(replica.url, "busy");
      expect(history).toHaveLength(10);
      expect(history.map((turn) => turn.user).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `turn ${index}`).sort());
      expect(history.filter((turn) => turn.interrupted !== undefined)).toEqual([]);
    }
  });

  it("accepts X-Chat-Id on POST /chat when it agrees with the body, and refuses it when it does not", async () => {
    const byHeader = await fetch(`${url(0)}/chat`, { method: "POST", headers: { ...HEADERS, "X-Chat-Id": "by-header" }, body: JSON.stringify({ message: "hi", max_tokens: 2 }) });
    expect(byHeader.status).toBe(200);
    await byHeader.text();
    expect(await historyOf(url(1), "by-header")).toHaveLength(1);
    const differing = await fetch(`${url(0)}/chat`, {
      method: "POST",
      headers: { ...HEADERS, "X-Chat-Id": "one" },
      body: JSON.stringify({ chat_id: "other", message: "hi" }),
    });
    expect(differing.status).toBe(400);
    expect((await differing.json()).detail).toMatch(/X-Chat-Id/);
  });
});

describe.skipIf(REDIS_SERVER === undefined)("the rate limit of two replicas", () => {
  const cluster = useReplicas({ RATE_LIMIT_CHATS_PER_HOUR: "4" });

  it("is one counter: with a limit of 4, the 5th accepted generation, on either replica, is a 429", async () => {
    for (let index = 0; index < 4; index += 1) {
      const { response } = await chatTurn(cluster.replicas[index % 2]!.url, `limited-${index}`, "hi");
      expect(response.status).toBe(200);
      expect(response.headers.get("X-RateLimit-Remaining")).toBe(String(3 - index));
    }
    for (const replica of cluster.replicas) {
      const { response, text } = await chatTurn(replica.url, "limited-5", "hi");
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(JSON.parse(text).detail).toMatch(/Rate limit/);
    }
  });
});
