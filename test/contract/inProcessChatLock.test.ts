import { InProcessChatLock } from "../../src/sessions/InProcessChatLock.js";
import { chatLockContract } from "./chatLock.contract.js";

chatLockContract("InProcessChatLock", async () => ({ lock: new InProcessChatLock(), close: async () => undefined }));
