import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import type { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { loadTestRunner } from "./startTestServer.js";

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it). Playwright's own browsers are never downloaded. */
const CHROMIUM_PATH = process.env["CHROMIUM_PATH"]?.trim() || "/usr/bin/chromium";

/** Flags that keep the browser off the network and free of first-run work: the page must need nothing but the server. */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * True when the browser tests can run. Without chromium they fail in CI (CI set) and skip, saying so, on a local
 * run only, as the promtool and llama.cpp binary tests do.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if ((process.env["CI"] ?? "") !== "") {
    throw new Error(`The browser tests need chromium at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run does).`);
  }
  process.stderr.write(`\n*** SKIPPING the browser tests: no chromium at ${CHROMIUM_PATH} (apt-get install chromium). ***\n\n`);
  return false;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile in a temp dir, removed on close. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 720 },
  });
  return {
    context,
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface BrowserSuite {
  runner: NodeLlamaCppRunner;
  browser: Chromium;
}

/** For a describe block: the real runner on the test model and chromium, started once for its tests and closed after. */
export function useRunnerAndChromium(): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    [suite.runner, suite.browser] = await Promise.all([loadTestRunner(), launchChromium()]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.runner?.dispose();
  });
  return suite;
}
