import fs from "node:fs";
import path from "node:path";

const MARKER = "llama-api patch";
const ANCHOR = "    common_init();\n";

/**
 * llama-completion writes the generated text and its timings through llama.cpp's asynchronous logger, which it
 * never flushes at exit (the logger is leaked on purpose, ggml-org/llama.cpp#22142), so the tail of a reply and
 * the token counts are sometimes lost. One line flushes it at exit, as its own SIGINT handler does. Idempotent;
 * returns whether the source changed (a build is then due).
 */
export function patchLlamaCompletion(sourceDir: string): boolean {
  const file = path.join(sourceDir, "tools", "completion", "completion.cpp");
  const source = fs.readFileSync(file, "utf8");
  if (source.includes(MARKER)) return false;
  if (!source.includes(ANCHOR)) throw new Error(`${file} has changed: cannot apply the ${MARKER}`);
  const patch =
    `    // ${MARKER}: flush the asynchronous log (it carries the generated text) before the process exits.\n` +
    "    atexit([]() { common_log_pause(common_log_main()); });\n";
  fs.writeFileSync(file, source.replace(ANCHOR, ANCHOR + patch));
  return true;
}

/** Whether the source already has the patch (a cached build made from it can be reused). */
export function isLlamaCompletionPatched(sourceDir: string): boolean {
  const file = path.join(sourceDir, "tools", "completion", "completion.cpp");
  return fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(MARKER);
}
