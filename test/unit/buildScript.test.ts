import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/paths.js";

/** scripts/build.mjs in a scratch project (two small sources, this project's tsconfig and compiler). */
async function scratchProject(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "llama-api-build-"));
  await fs.mkdir(path.join(root, "scripts"));
  await fs.mkdir(path.join(root, "src", "lib"), { recursive: true });
  await fs.copyFile(path.join(PROJECT_ROOT, "scripts", "build.mjs"), path.join(root, "scripts", "build.mjs"));
  await fs.copyFile(path.join(PROJECT_ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  await fs.symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
  await fs.writeFile(path.join(root, "package.json"), '{ "type": "module" }\n');
  await fs.writeFile(path.join(root, "src", "main.ts"), 'import { answer } from "./lib/answer.js";\nconsole.log(answer);\n');
  await fs.writeFile(path.join(root, "src", "lib", "answer.ts"), "export const answer: number = 42;\n");
  await fs.writeFile(path.join(root, "src", "lib", "old.ts"), "export const old = 1;\n");
  return root;
}

const build = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs"), ...args], { cwd: root, encoding: "utf8" });

describe("scripts/build.mjs (npm install and npm start)", () => {
  it("compiles once, then again only when a source changed, leaving nothing of deleted sources", async () => {
    const root = await scratchProject();
    const main = path.join(root, "dist", "main.js");

    const first = build(root, "--if-changed");
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stderr).toContain("Compiling");
    await fs.access(path.join(root, "dist", "lib", "old.js"));
    const builtAt = (await fs.stat(main)).mtimeMs;

    const unchanged = build(root, "--if-changed");
    expect(unchanged.status).toBe(0);
    expect(unchanged.stderr).toBe("");
    expect((await fs.stat(main)).mtimeMs).toBe(builtAt);

    await fs.rm(path.join(root, "src", "lib", "old.ts"));
    await fs.writeFile(path.join(root, "src", "lib", "answer.ts"), "export const answer: number = 43;\n");
    const changed = build(root, "--if-changed");
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.stderr).toContain("Compiling");
    expect(await fs.readFile(path.join(root, "dist", "lib", "answer.js"), "utf8")).toContain("43");
    await expect(fs.access(path.join(root, "dist", "lib", "old.js"))).rejects.toThrow();
  });

  it("fails, keeping no stamp, when the sources do not compile", async () => {
    const root = await scratchProject();
    await fs.writeFile(path.join(root, "src", "lib", "answer.ts"), 'export const answer: number = "not a number";\n');
    const failed = build(root, "--if-changed");
    expect(failed.status).not.toBe(0);
    expect(failed.stdout).toContain("error TS2322");
    await expect(fs.access(path.join(root, "dist", ".sources.sha256"))).rejects.toThrow();
    // So the next start tries again rather than running a half-built dist/.
    expect(build(root, "--if-changed").stderr).toContain("Compiling");
  });
});
