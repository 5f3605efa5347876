import type { TestServer } from "./startTestServer.js";

/** POST /chat with the server's key. */
export const postChat = (server: TestServer, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${server.url}/chat`, {
    method: "POST",
    headers: server.headers,
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });

/** A chat's stored turns as GET /history shows them ([] for an unknown chat). */
// `any`: JSON of a known shape, as everywhere in the tests (see responseJson.d.ts).
export async function turnsOf(server: TestServer, chatId: string): Promise<any[]> {
  const response = await fetch(`${server.url}/history/${chatId}`, { headers: server.headers });
  return response.status === 404 ? [] : (await response.json()).history;
}

/** Polls until the condition holds; a condition that never holds fails by the test's timeout. */
export async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
