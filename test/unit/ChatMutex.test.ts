import { describe, expect, it } from "vitest";
import { ChatMutex } from "../../src/sessions/ChatMutex.js";

describe("ChatMutex", () => {
  it("runs holders of one chat one after another, in order", async () => {
    const mutex = new ChatMutex();
    const order: string[] = [];
    const work = async (name: string) => {
      const release = await mutex.acquire("a");
      order.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`end ${name}`);
      release();
    };
    await Promise.all([work("1"), work("2"), work("3")]);
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
    expect(mutex.users("a")).toBe(0);
  });

  it("does not make different chats wait for each other", async () => {
    const mutex = new ChatMutex();
    const releaseA = await mutex.acquire("a");
    const releaseB = await mutex.acquire("b");
    expect(mutex.users("a")).toBe(1);
    releaseA();
    releaseB();
  });

  it("lets an aborted waiter leave the queue without blocking the next one", async () => {
    const mutex = new ChatMutex();
    const release = await mutex.acquire("a");
    const controller = new AbortController();
    const aborted = mutex.acquire("a", controller.signal);
    const third = mutex.acquire("a");
    controller.abort(new Error("gone"));
    await expect(aborted).rejects.toThrow("gone");
    release();
    const releaseThird = await third;
    releaseThird();
    expect(mutex.users("a")).toBe(0);
  });
});
