import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { KeyvSessionStore } from "../../src/sessions/KeyvSessionStore.js";
import { sessionStoreContract } from "./sessionStore.contract.js";

sessionStoreContract("KeyvSessionStore (SQLite)", async () => {
  const store = await KeyvSessionStore.open(await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-store-")));
  return { store, close: () => store.close() };
});
