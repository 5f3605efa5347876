import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StepBarrier, type StepMember } from "../../src/llm/runners/StepBarrier.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Whether the member's wait has ended, after the microtasks it may need. */
async function released(wait: Promise<void> | undefined): Promise<boolean> {
  let done = wait === undefined;
  void wait?.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

/** Members that have all had a step together, so that each is decoding its next token. */
async function inStep(barrier: StepBarrier, count: number): Promise<StepMember[]> {
  const members = Array.from({ length: count }, () => barrier.join());
  const waits = members.map((member) => member.arrive());
  for (const wait of waits) expect(await released(wait)).toBe(true);
  return members;
}

describe("StepBarrier: concurrent replies ask for their next tokens together", () => {
  it("a reply alone never waits", () => {
    expect(new StepBarrier().join().arrive()).toBeUndefined();
  });

  it("waits for a reply that is still decoding, however long its batch takes", async () => {
    const [a, b] = await inStep(new StepBarrier(), 2);
    a!.received();
    const wait = a!.arrive();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await released(wait)).toBe(false);
    b!.received();
    expect(await released(wait)).toBe(false);
    const other = b!.arrive();
    expect(await released(wait)).toBe(true);
    expect(await released(other)).toBe(true);
  });

  it("waits only a few milliseconds for a reply that has its token but has not asked for the next", async () => {
    const [a, b] = await inStep(new StepBarrier(), 2);
    a!.received();
    b!.received();
    const wait = a!.arrive();
    expect(await released(wait)).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(await released(wait)).toBe(true);
  });

  it("a reply that ends lets the others go", async () => {
    const [a, b] = await inStep(new StepBarrier(), 2);
    a!.received();
    const wait = a!.arrive();
    expect(await released(wait)).toBe(false);
    b!.leave();
    expect(await released(wait)).toBe(true);
  });
});
