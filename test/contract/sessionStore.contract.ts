import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyMeta, type Turn } from "../../src/sessions/Session.js";
import type { ChatKey, SessionStore } from "../../src/sessions/SessionStore.js";

/** Opens an empty store under test, and closes what it opened. */
export type MakeStore = () => Promise<{ store: SessionStore; close(): Promise<void> }>;

const turn = (n: number, extra: Partial<Turn> = {}): Turn => ({ user: `u${n}`, assistant: `a${n}`, ...extra });
const meta = (turnCount: number, windowStart = 0) => ({ system_prompt: "be brief", windowStart, turnCount });

/** What every SessionStore does, whatever keeps the data: one suite, each adapter's test calls it. */
export function sessionStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name} (session store contract)`, () => {
    let opened: Awaited<ReturnType<MakeStore>>;
    let store: SessionStore;
    let chat = 0;
    /** A chat no other case touches. */
    const fresh = (owner = ""): ChatKey => ({ owner, chatId: `chat-${name.length}-${(chat += 1)}` });

    beforeAll(async () => {
      opened = await makeStore();
      store = opened.store;
    });
    afterAll(() => opened.close());

    it("knows nothing of a chat never written", async () => {
      const key = fresh();
      expect(await store.meta(key)).toBeUndefined();
      expect(await store.window(key)).toBeUndefined();
      expect(await store.get(key)).toBeUndefined();
      expect(await store.delete(key)).toBe(false);
    });

    it("stores turns one by one with their token ids, and reads the window from its start", async () => {
      const key = fresh();
      await store.saveTurn(key, 0, turn(0, { tokens: { model: "m", ids: [1, 2, 3] } }), meta(1));
      await store.saveTurn(key, 1, turn(1, { interrupted: "client_disconnected" }), meta(2));
      await store.saveTurn(key, 2, turn(2), meta(3, 1));
      expect(await store.meta(key)).toEqual(meta(3, 1));
      expect((await store.get(key))?.history).toEqual([
        turn(0, { tokens: { model: "m", ids: [1, 2, 3] } }),
        turn(1, { interrupted: "client_disconnected" }),
        turn(2),
      ]);
      expect(await store.window(key)).toEqual({ meta: meta(3, 1), turns: [turn(1, { interrupted: "client_disconnected" }), turn(2)] });
    });

    it("writes a turn in progress again in place, pending until its meta says otherwise", async () => {
      const key = fresh();
      await store.saveTurn(key, 0, turn(0, { assistant: "a", interrupted: "crash" }), { ...meta(1), pending: 0 });
      expect((await store.meta(key))?.pending).toBe(0);
      await store.saveTurn(key, 0, turn(0), meta(1));
      expect(await store.meta(key)).toEqual(meta(1));
      expect((await store.get(key))?.history).toEqual([turn(0)]);
    });

    it("creates a chat from its meta alone, and writes whole sessions", async () => {
      const key = fresh();
      await store.setMeta(key, { ...emptyMeta(), system_prompt: "hi" });
      expect(await store.get(key)).toEqual({ system_prompt: "hi", history: [], windowStart: 0 });
      const whole = fresh();
      await store.set(whole, { system_prompt: null, history: [turn(0), turn(1, { tokens: { model: "m", ids: [9] } })], windowStart: 1 });
      expect(await store.get(whole)).toEqual({ system_prompt: null, history: [turn(0), turn(1, { tokens: { model: "m", ids: [9] } })], windowStart: 1 });
    });

    it("lists an owner's chats in id order, by pages, apart from other owners'", async () => {
      const owner = `owner${name.length}`;
      for (const chatId of ["b", "a", "c-1", "c"]) await store.setMeta({ owner, chatId }, emptyMeta());
      await store.setMeta({ owner: `${owner}x`, chatId: "z" }, emptyMeta());
      expect(await store.listIds(owner)).toEqual(["a", "b", "c", "c-1"]);
      expect(await store.listIds(owner, { limit: 2 })).toEqual(["a", "b"]);
      expect(await store.listIds(owner, { limit: 2, after: "b" })).toEqual(["c", "c-1"]);
      expect(await store.listIds(owner, { after: "c-1" })).toEqual([]);
      expect(await store.listIds("")).not.toContain("z");
      const all = await store.listAll();
      expect(all).toEqual(expect.arrayContaining([{ owner, chatId: "a" }, { owner: `${owner}x`, chatId: "z" }]));
    });

    it("deletes a chat, its turns and its place in the list", async () => {
      const key = fresh("deleter");
      await store.saveTurn(key, 0, turn(0), meta(1));
      expect(await store.listIds("deleter")).toContain(key.chatId);
      expect(await store.delete(key)).toBe(true);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.listIds("deleter")).not.toContain(key.chatId);
      // Written again from nothing: no turn of the deleted chat comes back.
      await store.setMeta(key, meta(0));
      expect((await store.get(key))?.history).toEqual([]);
    });
  });
}
