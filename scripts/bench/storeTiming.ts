import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ChatMeta, Turn } from "../../src/sessions/Session.js";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { benchText } from "./benchText.js";
import { median, percentile } from "./stats.js";

/** What one turn costs the session store, at one length of chat. */
export interface StoreTimingRow {
  turns: number;
  /** `window()` when the window is the whole history (the worst case: nothing has moved it yet). */
  readWholeMs: { median: number; p95: number };
  /** `window()` when the window holds the last `WINDOW_TURNS` turns (a long chat in a 4,096-token context). */
  readWindowMs: { median: number; p95: number };
  /** `saveTurn()` of the next turn and its meta, as a turn writes it when its reply ends. */
  writeMs: { median: number; p95: number };
}

const WINDOW_TURNS = 20;
const SAMPLES = 30;

/** A turn as long as the conversation scenario's: ≈250 user tokens, a 48-token reply and its token ids. */
function turnOf(index: number): Turn {
  return {
    user: benchText(`store ${index}`, 250),
    assistant: benchText(`reply ${index}`, 48),
    tokens: { model: "0123456789abcdef", ids: Array.from({ length: 48 }, (_, i) => (index * 48 + i) % 32_000) },
  };
}

/**
 * Session store read and write time per turn (the SQLite store, on the turn's critical path: the window is
 * read before the prompt is built, and the turn written when its reply ends) at each chat length, in a
 * temporary data dir.
 */
export async function measureStoreTiming(turnCounts: readonly number[] = [10, 100, 1000]): Promise<StoreTimingRow[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-store-bench-"));
  const store = await KeyvSessionStore.open(dir);
  try {
    const rows: StoreTimingRow[] = [];
    for (const turns of turnCounts) {
      const key = { owner: "", chatId: `bench-${turns}` };
      let meta: ChatMeta = { system_prompt: null, windowStart: 0, turnCount: 0 };
      for (let index = 0; index < turns; index++) {
        meta = { ...meta, turnCount: index + 1 };
        await store.saveTurn(key, index, turnOf(index), meta);
      }
      const readWhole = await timed(() => store.window(key));
      await store.setMeta(key, { ...meta, windowStart: Math.max(0, turns - WINDOW_TURNS) });
      const readWindow = await timed(() => store.window(key));
      let next = turns;
      const write = await timed(() => {
        const index = next++;
        return store.saveTurn(key, index, turnOf(index), { ...meta, turnCount: index + 1 });
      });
      rows.push({ turns, readWholeMs: readWhole, readWindowMs: readWindow, writeMs: write });
    }
    return rows;
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function timed(run: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  await run(); // the first call pays for statement preparation and cold pages
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  const round = (value: number | undefined) => Math.round((value ?? 0) * 100) / 100;
  return { median: round(median(times)), p95: round(percentile(times, 95)) };
}
