import { expect } from "vitest";
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

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** A whole (non-streamed) /v1/chat/completions reply of a fixed length (`ignore_eos`). */
export async function complete(target: TestServer, body: Record<string, unknown>): Promise<{ text: string; usage: Usage }> {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: target.headers,
    body: JSON.stringify({ model: "m", max_tokens: 12, ignore_eos: true, ...body }),
  });
  expect(response.status).toBe(200);
  const json = await response.json();
  return { text: json.choices[0].message.content, usage: json.usage };
}

/** One new turn of a stored chat (`chat_id`). */
export const say = (target: TestServer, chatId: string, content: string, extra: Record<string, unknown> = {}) =>
  complete(target, { chat_id: chatId, messages: [{ role: "user", content }], ...extra });
