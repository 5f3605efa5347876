// @ts-check
import { describeError, parseRetryAfter } from "./describeError.js";

/**
 * @typedef {{ user: string, assistant: string, interrupted?: string }} Turn
 * @typedef {{ system_prompt: string | null, history: Turn[] }} History
 * @typedef {{ status: string, model?: string, runner?: string, warning?: string }} Health
 */

/** A request the server refused (or could not be sent): `message` is in plain words, for the page to show. */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached.
   * @param {string} message
   * @param {number | undefined} retryAfterSeconds
   */
  constructor(status, message, retryAfterSeconds) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * This server's API, with the key. Paths are relative, so the key can only ever go to the origin that served
 * the page (and the Content-Security-Policy allows no other).
 */
export class Api {
  /** @param {string} key */
  constructor(key) {
    this.key = key;
  }

  /** @returns {Promise<string[]>} */
  async listChats() {
    const { chat_ids } = await (await this.request("/chats")).json();
    return chat_ids;
  }

  /**
   * @param {string} chatId
   * @returns {Promise<History>}
   */
  async history(chatId) {
    return (await this.request(`/history/${encodeURIComponent(chatId)}`)).json();
  }

  /**
   * @param {string} chatId
   * @param {string | null} systemPrompt null clears it.
   */
  async setSystemPrompt(chatId, systemPrompt) {
    await this.request(`/history/${encodeURIComponent(chatId)}/system_prompt`, {
      method: "POST",
      body: JSON.stringify({ system_prompt: systemPrompt }),
    });
  }

  /** @param {string} chatId */
  async deleteChat(chatId) {
    await this.request(`/history/${encodeURIComponent(chatId)}`, { method: "DELETE" });
  }

  /**
   * A turn of the stored chat, streamed. It goes through the OpenAI-compatible endpoint with the chat's id (the
   * same stored session, lock and rate limit as POST /chat) because its stream ends with the server's own
   * count of generated tokens, which POST /chat's plain text cannot carry.
   * @param {string} chatId
   * @param {string} message
   * @param {AbortSignal} signal Aborting it stops the reply; the server saves the turn as interrupted.
   * @returns {Promise<ReadableStream<Uint8Array>>}
   */
  async sendMessage(chatId, message, signal) {
    const response = await this.request("/v1/chat/completions", {
      method: "POST",
      headers: { "X-Chat-Id": chatId },
      body: JSON.stringify({
        model: "any",
        messages: [{ role: "user", content: message }],
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal,
    });
    if (response.body === null) throw new ApiError(0, "The server sent no reply.", undefined);
    return response.body;
  }

  /**
   * @param {string} path
   * @param {RequestInit & { headers?: Record<string, string> }} init
   */
  async request(path, init = {}) {
    const headers = { "X-API-Key": this.key, ...(init.body === undefined ? {} : { "Content-Type": "application/json" }), ...init.headers };
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted === true) throw error;
      throw new ApiError(0, describeError({ status: 0, serverMessage: "", retryAfterSeconds: undefined }), undefined);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

/** @returns {Promise<Health>} /health needs no key. */
export async function fetchHealth() {
  const response = await fetch("/health");
  return response.json();
}

/** @param {Response} response */
async function errorOf(response) {
  const body = await response.json().catch(() => ({}));
  // {"detail"} on the seed routes, {"error": {"message"}} on /v1.
  const serverMessage = typeof body?.detail === "string" ? body.detail : typeof body?.error?.message === "string" ? body.error.message : "";
  const retryAfterSeconds = parseRetryAfter(response.headers.get("Retry-After"));
  const failure = { status: response.status, serverMessage, retryAfterSeconds };
  return new ApiError(response.status, describeError(failure), retryAfterSeconds);
}
