// @ts-check
// Plain JavaScript run by Node itself: `npm start` runs it before every start, so it must not pay for tsx or tsc.
//
//   node scripts/build.mjs               compile src/ into dist/ (a clean build)
//   node scripts/build.mjs --if-changed  the same, only when the sources changed since the last build
//
// `npm install` (prepare) and `npm start` (prestart) use --if-changed: compiling takes 10-30 s on a small
// machine, checking takes milliseconds.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
/** Written after a successful build: the hash of what it compiled. */
const stamp = path.join(dist, ".sources.sha256");
const compiler = path.join(root, "node_modules", "typescript", "bin", "tsc");

/**
 * @param {string} dir
 * @returns {string[]}
 */
function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Everything the build reads: the sources, the compiler settings and the compiler itself. */
function sourcesHash() {
  const hash = createHash("sha256");
  const inputs = [...filesUnder(path.join(root, "src")).sort(), path.join(root, "tsconfig.json"), path.join(root, "node_modules", "typescript", "package.json")];
  for (const file of inputs) hash.update(path.relative(root, file)).update("\0").update(fs.readFileSync(file)).update("\0");
  return hash.digest("hex");
}

function main() {
  const ifChanged = process.argv.includes("--if-changed");
  if (!fs.existsSync(compiler)) {
    // An install without devDependencies: there is nothing to compile with.
    const usable = ifChanged && fs.existsSync(path.join(dist, "main.js"));
    process.stderr.write(`TypeScript is not installed (an install with --omit=dev?)${usable ? "; using the existing dist/" : ": run npm install"}\n`);
    return usable ? 0 : 1;
  }
  const hash = sourcesHash();
  if (ifChanged && fs.existsSync(path.join(dist, "main.js")) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash) return 0;

  process.stderr.write(ifChanged ? "Compiling the TypeScript sources (changed since the last build)...\n" : "");
  // Clean first, so that a source file deleted since the last build leaves no stale module behind.
  fs.rmSync(dist, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [compiler, "-p", path.join(root, "tsconfig.json")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) return result.status ?? 1;
  fs.writeFileSync(stamp, hash);
  return 0;
}

process.exitCode = main();
