import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatLock } from "../../src/sessions/ChatLock.js";

/** Opens the lock under test, and closes what it opened. */
export type MakeLock = () => Promise<{ lock: ChatLock; close(): Promise<void> }>;

/** What every ChatLock does, in one process or across replicas: one suite, each adapter's test calls it. */
export function chatLockContract(name: string, makeLock: MakeLock): void {
  describe(`${name} (chat lock contract)`, () => {
    let opened: Awaited<ReturnType<MakeLock>>;
    let lock: ChatLock;
    beforeAll(async () => {
      opened = await makeLock();
      lock = opened.lock;
    });
    afterAll(() => opened.close());

    it("runs holders of one chat one after another", async () => {
      const order: string[] = [];
      const work = async (id: string) => {
        const lease = await lock.acquire("serial");
        order.push(`start ${id}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`end ${id}`);
        lease.release();
      };
      await Promise.all(["1", "2", "3"].map(work));
      expect(order.filter((_, index) => index % 2 === 0).map((entry) => entry.replace("start", "end"))).toEqual(
        order.filter((_, index) => index % 2 === 1),
      );
      expect(await lock.users("serial")).toBe(0);
    });

    it("does not make different chats wait for each other", async () => {
      const a = await lock.acquire("a");
      const b = await lock.acquire("b");
      expect(await lock.users("a")).toBe(1);
      expect(a.lost.aborted || b.lost.aborted).toBe(false);
      a.release();
      b.release();
    });

    it("counts holders and waiters, and a waiter that gives up leaves the count once", async () => {
      const held = await lock.acquire("count");
      const controller = new AbortController();
      const waiting = lock.acquire("count", controller.signal);
      const third = lock.acquire("count");
      // Entered once each is counted (a Redis waiter enters with its first try).
      while ((await lock.users("count")) < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(new Error("gone"));
      await expect(waiting).rejects.toThrow("gone");
      expect(await lock.users("count")).toBe(2);
      held.release();
      held.release();
      const next = await third;
      expect(await lock.users("count")).toBe(1);
      next.release();
      expect(await lock.users("count")).toBe(0);
    });

    it("refuses a waiter whose signal has already aborted", async () => {
      const controller = new AbortController();
      controller.abort(new Error("too late"));
      await expect(lock.acquire("aborted", controller.signal)).rejects.toThrow("too late");
      expect(await lock.users("aborted")).toBe(0);
    });

    it("keeps a second release from freeing the next holder's lock", async () => {
      const first = await lock.acquire("twice");
      first.release();
      const second = await lock.acquire("twice");
      first.release();
      const controller = new AbortController();
      const third = lock.acquire("twice", controller.signal);
      let got = false;
      void third.then(() => (got = true), () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(got).toBe(false);
      second.release();
      (await third).release();
    });
  });
}
