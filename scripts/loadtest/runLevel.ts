import autocannon from "autocannon";
import { delta, histogramQuantile, parsePrometheus } from "./prometheusText.js";

export interface LevelOptions {
  url: string;
  key: string;
  connections: number;
  seconds: number;
  /** Reply length of every generation request. */
  maxTokens: number;
  /** Each connection starts a new chat after this many turns, so that prompts stay of one size. */
  turnsPerChat: number;
  /** Prefix of this level's chat ids (levels never share chats). */
  label: string;
}

export interface LevelResult {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  /** Whole-response latency of every request, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The server's time to first token (its histogram, interpolated), ms. */
  ttftP50Ms: number | undefined;
  ttftP99Ms: number | undefined;
  statuses: Record<string, number>;
  timeouts: number;
  /** Connection errors other than timeouts. */
  errors: number;
  /** Tokens the server generated per second: accepted work only. */
  tokensPerSecond: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** /chat turns answered 200 and read to their end, but not in the chat's stored history as complete. */
  lostTurns: number;
  completedTurns: number;
}

interface ConnectionContext {
  chat?: string;
  turns?: number;
}

/**
 * One load level with autocannon: every connection cycles through a turn of its own chat (POST /chat), a
 * stateless /v1 completion, its chat's history and the chat list, as fast as answers come back, for the
 * given time. Counts what the server did from its own metrics before and after.
 */
export async function runLevel(options: LevelOptions): Promise<LevelResult> {
  const headers = { "X-API-Key": options.key, "Content-Type": "application/json" };
  const scrape = async () => parsePrometheus(await (await fetch(`${options.url}/metrics`)).text());
  const before = await scrape();
  const completed = new Map<string, number>();
  let connectionCounter = 0;

  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    headers,
    requests: [
      {
        method: "POST",
        path: "/chat",
        setupRequest: (request, context: ConnectionContext) => {
          if (context.chat === undefined || (context.turns ?? 0) >= options.turnsPerChat) {
            context.chat = `${options.label}_${connectionCounter++}`;
            context.turns = 0;
          }
          return { ...request, body: JSON.stringify({ chat_id: context.chat, message: "Say something about rivers.", max_tokens: options.maxTokens }) };
        },
        onResponse: (status, _body, context: ConnectionContext) => {
          if (status !== 200 || context.chat === undefined) return;
          context.turns = (context.turns ?? 0) + 1;
          completed.set(context.chat, (completed.get(context.chat) ?? 0) + 1);
        },
      },
      {
        method: "POST",
        path: "/v1/chat/completions",
        body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "Name a river." }], max_tokens: options.maxTokens }),
      },
      { method: "GET", path: "/chats?limit=50", setupRequest: (request) => ({ ...request, body: undefined }) },
      { method: "GET", path: "/health", setupRequest: (request) => ({ ...request, body: undefined }) },
    ],
  });
  const result = await instance;
  const after = await scrape();

  let lostTurns = 0;
  let completedTurns = 0;
  for (const [chat, count] of completed) {
    completedTurns += count;
    const response = await fetch(`${options.url}/history/${chat}`, { headers });
    const stored = response.status === 200 ? ((await response.json()) as { history: Array<{ interrupted?: string }> }).history : [];
    lostTurns += Math.max(0, count - stored.filter((turn) => turn.interrupted === undefined).length);
  }

  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = count ?? 0;
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000));
  return {
    connections: options.connections,
    seconds: options.seconds,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    ttftP50Ms: ms(histogramQuantile("llama_api_time_to_first_token_seconds", 0.5, before, after)),
    ttftP99Ms: ms(histogramQuantile("llama_api_time_to_first_token_seconds", 0.99, before, after)),
    statuses,
    timeouts: result.timeouts,
    errors: result.errors - result.timeouts,
    tokensPerSecond: Math.round(delta("llama_api_generated_tokens_total", before, after) / options.seconds),
    rssBeforeMb: Math.round((before.get("process_resident_memory_bytes") ?? 0) / 2 ** 20),
    rssAfterMb: Math.round((after.get("process_resident_memory_bytes") ?? 0) / 2 ** 20),
    lostTurns,
    completedTurns,
  };
}
