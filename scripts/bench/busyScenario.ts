import type { BackendId } from "./benchOptions.js";
import { benchText } from "./benchText.js";
import type { Sample } from "./samples.js";
import { guarded, systemMessage, type ScenarioContext } from "./scenarios.js";
import { median, numbers } from "./stats.js";
import type { ChatRequest } from "./streamChat.js";

/**
 * (h) A new request while N = 0..3 long replies generate: its time to first token, each fresh prompt recycling a
 * sequence that holds another chat's cache (the scenarios before this one left one in every sequence). N = 0 is
 * the idle server it is compared with.
 */
export async function busyTtft(ctx: ScenarioContext): Promise<void> {
  const { running: levels, repeats, promptTokens, maxTokens, longMaxTokens } = ctx.profile.busy;
  const request = (tag: string, tokens: number, onFirstContent?: () => void): ChatRequest => ({
    messages: [systemMessage(tag), { role: "user", content: benchText(tag, promptTokens) }],
    maxTokens: tokens,
    ...(onFirstContent === undefined ? {} : { onFirstContent }),
  });
  await guarded(ctx, "busy", undefined, async (send) => {
    for (const running of levels) {
      for (let repeat = 1; repeat <= repeats; repeat++) {
        const firsts: Promise<void>[] = [];
        const long = Array.from({ length: running }, (_, index) => {
          let started!: () => void;
          firsts.push(new Promise((resolve) => (started = resolve)));
          return send(request(`busy long ${running} ${repeat} ${index + 1}`, longMaxTokens, () => started()), { streams: running, stream: index + 1, repeat });
        });
        // every long reply generating (or one failed, which never starts)
        await Promise.race([Promise.all(firsts), Promise.allSettled(long)]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await send(request(`busy new ${running} ${repeat}`, maxTokens), { streams: running, stream: 0, repeat });
        const rejected = (await Promise.allSettled(long)).find((outcome) => outcome.status === "rejected");
        if (rejected !== undefined) throw rejected.reason;
      }
    }
  });
}

export interface BusySummary {
  backend: BackendId;
  /** Long replies generating while the new request was sent. */
  running: number;
  /** The new request's time to first token, median over the repeats. */
  ttftMedianMs?: number | undefined;
  /** One decode step of the long replies (1000 / their tokens/s), median: the batch step the new request shares. */
  stepMs?: number | undefined;
}

export function summariseBusy(samples: readonly Sample[]): BusySummary[] {
  const busy = samples.filter((sample) => sample.scenario === "busy" && sample.error === undefined);
  const keys = [...new Set(busy.map((sample) => `${sample.backend}|${sample.streams}`))];
  return keys.map((key) => {
    const [backend, running] = key.split("|") as [BackendId, string];
    const mine = busy.filter((sample) => sample.backend === backend && sample.streams === Number(running));
    const fresh = mine.filter((sample) => sample.stream === 0);
    const long = mine.filter((sample) => sample.stream !== 0);
    return {
      backend,
      running: Number(running),
      ttftMedianMs: median(numbers(fresh.map((sample) => sample.ttftMs))),
      stepMs: median(numbers(long.map((sample) => (sample.genTokensPerS === undefined ? undefined : 1000 / sample.genTokensPerS)))),
    };
  });
}
