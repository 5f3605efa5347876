import fs from "node:fs/promises";
import path from "node:path";
import type { Backend } from "./backends.js";
import type { BackendId, BenchOptions } from "./benchOptions.js";
import { benchText } from "./benchText.js";
import type { Sample } from "./samples.js";
import { guarded, systemMessage, warmUp, type ScenarioContext } from "./scenarios.js";
import type { ChatMessage } from "./streamChat.js";

/**
 * (i) Warm restart: two chats of `turns` turns each (chat_id) on one server; the next turn of chat 2 on that
 * server is the turn without a restart. Then the server is stopped (SIGTERM: its chats' caches go to its data
 * dir) and started again on the same data dir, and the next turn of chat 1 is the turn right after a restart.
 * The chats are the same lengths, so the two turns differ only by the restart.
 */
export async function restartTurn(backend: Backend, options: BenchOptions, workDir: string, base: Omit<ScenarioContext, "server" | "backend">): Promise<void> {
  const { turns, userTokens, maxTokens } = options.profile.restart;
  const dataDir = await fs.mkdtemp(path.join(workDir, `${backend.id}-restart-`));
  const chatId = (chat: number) => `bench-restart-${chat}`;
  const user = (chat: number, turn: number): ChatMessage => ({ role: "user", content: benchText(`restart-${chat}-${turn}`, userTokens) });
  const turnRequest = (chat: number, turn: number) => ({
    messages: turn === 1 ? [systemMessage(`restart ${chat}`), user(chat, turn)] : [user(chat, turn)],
    maxTokens: maxTokens[(turn - 1) % maxTokens.length]!,
    chatId: chatId(chat),
  });
  try {
    const first = await backend.start(options.parallel, dataDir);
    try {
      await warmUp(first, options.profile.requestTimeoutMs);
      await guarded({ ...base, backend, server: first }, "restart", "chat_id", async (send) => {
        for (let turn = 1; turn <= turns; turn++) {
          for (const chat of [1, 2]) await send(turnRequest(chat, turn), { chat, turn });
        }
        await send(turnRequest(2, turns + 1), { chat: 2, turn: turns + 1, afterRestart: false });
      });
    } finally {
      await first.stop();
    }
    const second = await backend.start(options.parallel, dataDir);
    try {
      await warmUp(second, options.profile.requestTimeoutMs);
      await guarded({ ...base, backend, server: second }, "restart", "chat_id", async (send) => {
        await send(turnRequest(1, turns + 1), { chat: 1, turn: turns + 1, afterRestart: true });
      });
    } finally {
      await second.stop();
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

export interface RestartSummary {
  backend: BackendId;
  turn: number;
  /** The turn's TTFT on the server that had run the chat, and right after a restart. */
  ttftWithoutMs?: number | undefined;
  ttftAfterMs?: number | undefined;
  /** Prompt tokens and those evaluated (not loaded from a cache) of the turn after the restart. */
  promptTokensAfter?: number | undefined;
  evaluatedAfter?: number | undefined;
}

export function summariseRestart(samples: readonly Sample[]): RestartSummary[] {
  const marked = samples.filter((sample) => sample.scenario === "restart" && sample.error === undefined && sample.afterRestart !== undefined);
  return [...new Set(marked.map((sample) => sample.backend))].map((backend) => {
    const without = marked.find((sample) => sample.backend === backend && sample.afterRestart === false);
    const after = marked.find((sample) => sample.backend === backend && sample.afterRestart === true);
    return {
      backend,
      turn: after?.turn ?? without?.turn ?? 0,
      ttftWithoutMs: without?.ttftMs,
      ttftAfterMs: after?.ttftMs,
      promptTokensAfter: after?.promptTokens,
      evaluatedAfter: after?.promptEvaluated,
    };
  });
}
