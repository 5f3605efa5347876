import http from "node:http";
import fc from "fast-check";
import { hostileRequest, type HostileRequest } from "./hostileRequest.js";

export interface FuzzOptions {
  url: string;
  /** Keys the server accepts, one per owner whose stored chats are compared. */
  keys: readonly string[];
  /** Cases to run (fast-check's numRuns). */
  runs: number;
  /** Stops after this many milliseconds, for long runs bounded by the clock. */
  timeLimitMs?: number;
  seed?: number;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

function send(url: string, request: HostileRequest): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.path, headers: request.headers, timeout: 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error("no answer within 30 s")));
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}

/** Every owner's chats as GET /chats and GET /history show them. */
async function snapshot(url: string, keys: readonly string[]): Promise<string> {
  const owners: Record<string, unknown> = {};
  for (const key of keys) {
    const headers = { "X-API-Key": key };
    const { chat_ids: ids } = (await (await fetch(`${url}/chats`, { headers })).json()) as { chat_ids: string[] };
    const chats: Record<string, unknown> = {};
    for (const id of ids) chats[id] = await (await fetch(`${url}/history/${id}`, { headers })).json();
    owners[key] = chats;
  }
  return JSON.stringify(owners);
}

/**
 * The property: whatever the method, path, headers and body, the server answers; an error answer is JSON; no
 * answer is a 5xx other than 503 (and 501 for an unknown method); stored chats change only on a 2xx; and the server is still healthy after.
 * Returns the number of cases run and the statuses seen.
 */
export async function fuzzServer(options: FuzzOptions): Promise<{ cases: number; statuses: Record<number, number> }> {
  const port = Number(new URL(options.url).port);
  const statuses: Record<number, number> = {};
  let cases = 0;
  let stored = await snapshot(options.url, options.keys);
  await fc.assert(
    fc.asyncProperty(hostileRequest(options.keys, port), async (request) => {
      cases += 1;
      const answer = await send(options.url, request);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      // 503: busy or not ready; 501: a method no route knows (PROPFIND), which HTTP says to answer so.
      if (answer.status >= 500 && answer.status !== 503 && answer.status !== 501) throw new Error(`${answer.status} for ${describe(request)}: ${answer.body}`);
      if (answer.status >= 400 && request.method !== "HEAD") {
        if (!answer.type.startsWith("application/json")) throw new Error(`${answer.status} is ${answer.type} for ${describe(request)}`);
        JSON.parse(answer.body);
      }
      if (LEAKED_INTERNALS.test(answer.body)) throw new Error(`internals in the ${answer.status} for ${describe(request)}: ${answer.body.slice(0, 300)}`);
      const now = await snapshot(options.url, options.keys);
      if (now !== stored && (answer.status < 200 || answer.status > 299)) {
        throw new Error(`stored chats changed on a ${answer.status} for ${describe(request)}`);
      }
      stored = now;
    }),
    {
      numRuns: options.runs,
      endOnFailure: true,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false }),
    },
  );
  const health = await fetch(`${options.url}/health`);
  if (health.status !== 200) throw new Error(`unhealthy after fuzzing: ${health.status}`);
  const inFlight = /^llama_api_requests_in_flight (\S+)$/m.exec(await (await fetch(`${options.url}/metrics`)).text());
  if (inFlight?.[1] !== "0") throw new Error(`requests still in flight after fuzzing: ${inFlight?.[1] ?? "no gauge"}`);
  return { cases, statuses };
}

/** A stack frame, a source path or the checkout's own directory: what an answer must never show. */
const LEAKED_INTERNALS = /\bat \S+ \(|node_modules|\.[cm]?[jt]s:\d+|\/src\/|\/dist\//;

const describe = (request: HostileRequest) =>
  `${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers).slice(0, 300)} body ${request.body?.length ?? 0} bytes`;
