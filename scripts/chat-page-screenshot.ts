/**
 * Writes docs/chat-page.png, the README's picture of the chat page: the real server (src/main.ts) on the
 * generated test model, driven by Debian's chromium through playwright-core, as the browser tests do.
 *
 *   npx tsx scripts/chat-page-screenshot.ts [--out docs/chat-page.png]    (needs chromium; pngquant if present)
 *
 * The test model's replies are noise; the page says so in its warning line, and the picture shows it as it is.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outIndex = process.argv.indexOf("--out");
const out = path.resolve(outIndex === -1 ? path.join(root, "docs", "chat-page.png") : process.argv[outIndex + 1]!);
const key = "screenshot-key-0123456789";

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-screenshot-"));
const server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
  cwd: root,
  env: {
    ...process.env,
    PORT: "0",
    LLAMA_MODEL: path.join(root, "models", "test-model.gguf"),
    LLAMA_API_KEY: key,
    LLAMA_API_DATA_DIR: dataDir,
    LLAMA_MAX_TOKENS: "40",
    LLAMA_SEED: "7",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise<string>((resolve, reject) => {
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const port = /"port":(\d+)[^\n]*listening on/.exec(output)?.[1];
    if (port !== undefined) resolve(`http://127.0.0.1:${port}`);
  });
  server.once("exit", (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
});

// The server listens while the model loads.
while ((await fetch(`${url}/health`).catch(() => undefined))?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));

const profile = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 960, height: 600 },
  colorScheme: "light",
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.getByRole("textbox", { name: "API key" }).fill(key);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("textbox", { name: "System prompt" }).fill("You are a concise assistant.");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  for (const message of ["What is the capital of India?", "And of France?"]) {
    await page.getByRole("textbox", { name: "Message" }).fill(message);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("article", { name: "Reply" }).last().locator(".meta").getByText(/\d+ tokens?\b/).waitFor();
  }
  await fs.mkdir(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  // A palette PNG is a third of the size (Debian's pngquant); without it the full-colour one stays.
  const quantized = spawnSync("pngquant", ["--force", "--quality", "70-90", "--output", out, out]);
  console.log(`Wrote ${path.relative(root, out)}${quantized.status === 0 ? " (quantized with pngquant)" : ""}`);
} finally {
  await context.close();
  server.kill("SIGTERM");
  await fs.rm(profile, { recursive: true, force: true });
}
