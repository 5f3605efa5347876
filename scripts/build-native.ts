// Compiles node-llama-cpp's native addon for this machine, offline, from the llama.cpp source that the npm
// package ships (node_modules/node-llama-cpp/llama/gitRelease.bundle): `npm run build:native [-- --gpu TYPE]`.
// The build lands in node_modules (a reinstall wipes it: run this again), and node-llama-cpp then loads it
// instead of its generic prebuilt binary; the server logs which one it loaded at start-up.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { gpu: { type: "string" } }, strict: true });

/** CUDA where an NVIDIA GPU answers, Metal on macOS, else the CPU (a CUDA toolkit alone is no GPU). */
function detectGpu(): string {
  if (process.platform === "darwin") return "metal";
  const nvidia = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8" });
  return nvidia.status === 0 && /GPU \d/.test(nvidia.stdout) ? "cuda" : "false";
}

const GPU_TYPES = ["auto", "metal", "cuda", "vulkan", "false"];
const gpu = values.gpu ?? detectGpu();
if (!GPU_TYPES.includes(gpu)) {
  console.error(`--gpu must be one of ${GPU_TYPES.join(", ")}, got "${gpu}"`);
  process.exit(2);
}
const cli = path.join(path.dirname(createRequire(import.meta.url).resolve("node-llama-cpp")), "cli", "cli.js");
console.error(`Building node-llama-cpp's addon from its bundled llama.cpp source (gpu: ${gpu}); this takes minutes.`);
// With the package's own release tag, `source download` clones the bundled git bundle instead of GitHub.
const build = spawnSync(process.execPath, [cli, "source", "download", "--gpu", gpu, "--noUsageExample"], { stdio: "inherit" });
process.exit(build.status ?? 1);
