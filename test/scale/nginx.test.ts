import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATED_MAX_TOKENS } from "../support/gateGeneration.js";
import { NGINX, startNginx } from "../support/nginxServer.js";
import { REDIS_SERVER } from "../support/redisServer.js";
import { HEADERS, useReplicas } from "../support/replicas.js";

describe.skipIf(REDIS_SERVER === undefined || NGINX === undefined)("two replicas behind nginx with the shipped configuration", () => {
  const cluster = useReplicas({ TRUST_PROXY: "true" });
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  beforeAll(async () => {
    nginx = await startNginx(cluster.replicas.map((replica) => replica.url.replace("http://", "")) as [string, string]);
  });
  afterAll(() => nginx?.stop());

  /** A turn of a stored chat through nginx: who served it, and how many prompt tokens came from the cache. */
  async function turn(chatId: string, content: string) {
    const response = await fetch(`${nginx.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...HEADERS, "X-Chat-Id": chatId },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content }], max_tokens: 4 }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    return { servedBy: response.headers.get("X-Served-By"), cached: body.usage.prompt_tokens_details.cached_tokens as number };
  }

  it("sends a chat's follow-up turns to the replica that holds its cache, which reports cached prompt tokens", async () => {
    const first = await turn("affinity", "hello there");
    const followUps = [await turn("affinity", "and again"), await turn("affinity", "once more")];
    expect(first.servedBy).toMatch(/^replica-[12]$/);
    for (const followUp of followUps) {
      expect(followUp.servedBy).toBe(first.servedBy);
      expect(followUp.cached).toBeGreaterThan(0);
    }
  });

  it("spreads different chats over both replicas", async () => {
    const servedBy = new Set<string | null>();
    // 24 chats all on one replica would be a chance of 2^-23 for a hash that spreads.
    for (let index = 0; index < 24; index += 1) servedBy.add((await turn(`spread-${index}`, "hi")).servedBy);
    expect(servedBy).toEqual(new Set(["replica-1", "replica-2"]));
  });

  it("spreads stateless requests (no X-Chat-Id) over both replicas (nginx hashes an empty key round-robin)", async () => {
    const servedBy = new Set<string | null>();
    for (let index = 0; index < 24; index += 1) {
      const response = await fetch(`${nginx.url}/v1/chat/completions`, {
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: `stateless ${index}` }], max_tokens: 2 }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      servedBy.add(response.headers.get("X-Served-By"));
    }
    expect(servedBy).toEqual(new Set(["replica-1", "replica-2"]));
  });

  it("streams through the proxy as the reply is generated (no buffering)", async () => {
    // The reply pauses after its first chunk (see gateGeneration.ts): that chunk arrives only if nginx passes
    // it on at once (proxy_buffering off, and the replies' own X-Accel-Buffering: no).
    const controller = new AbortController();
    const response = await fetch(`${nginx.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...HEADERS, "X-Chat-Id": "streamed" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true, max_tokens: GATED_MAX_TOKENS }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Served-By")).toMatch(/^replica-[12]$/);
    const first = await response.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    controller.abort();
  });
});
