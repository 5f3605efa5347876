import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt } from "../../src/llm/buildPrompt.js";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { DomainError } from "../../src/errors/DomainError.js";
import type { Session } from "../../src/sessions/Session.js";
import { loadTestRunner } from "../support/startTestServer.js";

let runner: NodeLlamaCppRunner;
beforeAll(async () => {
  runner = await loadTestRunner({ LLAMA_CONTEXT_SIZE: "512" });
});
afterAll(async () => runner.dispose());

const turns = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ user: `question number ${index}`, assistant: `answer number ${index}` }));

describe("buildPrompt on the real test model", () => {
  it("keeps the whole history while it fits", () => {
    const session: Session = { system_prompt: "Be kind.", history: turns(3) };
    const built = buildPrompt(runner, session, "next", 64);
    expect(built.windowStart).toBe(0);
    expect(runner.showPrompt(built.prompt)).toContain("question number 0");
    expect(built.promptTokens).toBe(runner.countTokens(built.prompt));
  });

  it("leaves out the oldest turns in one large step, keeping system prompt and new message", () => {
    const session: Session = { system_prompt: "Be kind.", history: turns(40) };
    const maxTokens = 64;
    const built = buildPrompt(runner, session, "the newest message", maxTokens);
    const text = runner.showPrompt(built.prompt);
    const budget = runner.contextSize - maxTokens;
    expect(built.windowStart).toBeGreaterThan(0);
    expect(built.promptTokens).toBeLessThanOrEqual(Math.floor(budget / 2));
    expect(text).toContain("Be kind.");
    expect(text).toContain("the newest message");
    expect(text).toContain(`question number 39`);
    expect(text).not.toContain(`question number ${built.windowStart - 1}<`);

    // The next turns start from the stored window and keep its prefix until it no longer fits.
    const later: Session = { ...session, history: turns(41), windowStart: built.windowStart };
    const next = buildPrompt(runner, later, "one more", maxTokens);
    expect(next.windowStart).toBe(built.windowStart);
  });

  it("refuses (prompt_too_long, a 400) when the system prompt and message alone do not fit", () => {
    const session: Session = { system_prompt: "word ".repeat(400), history: [] };
    expect(() => buildPrompt(runner, session, "hi", 64)).toThrow(DomainError);
    expect(() => buildPrompt(runner, session, "hi", 64)).toThrow(expect.objectContaining({ kind: "prompt_too_long", param: "message" }));
  });
});
