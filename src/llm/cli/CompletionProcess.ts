import { spawn, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";

// Enough for llama.cpp's closing timings and the reason it failed, not for its whole start-up log.
const STDERR_TAIL_CHARS = 16 * 1024;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One llama-completion process: argv only (no shell), in its own process group so that killing the group
 * leaves nothing behind, stdout as a byte stream, and the tail of stderr kept for timings and errors.
 */
export class CompletionProcess {
  readonly exited: Promise<ProcessExit>;
  private stderrTail = "";
  private done = false;

  private constructor(private readonly child: ChildProcess & { pid: number; stdout: Readable; stderr: Readable }) {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // 'close' rather than 'exit': stdout and stderr have been read to their end too.
    this.exited = new Promise((resolve) =>
      child.once("close", (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      }),
    );
    // Once it has exited its pid may be reaped and reused: never signal it again.
    child.once("exit", () => {
      this.done = true;
    });
    // A failed kill() is reported as an 'error' event; the exit is what matters.
    child.on("error", () => undefined);
  }

  /** Resolves once the process runs; rejects when it cannot start (missing binary, not executable). */
  static async start(binary: string, args: readonly string[]): Promise<CompletionProcess> {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], shell: false });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    if (child.pid === undefined || child.stdout === null || child.stderr === null) {
      throw new Error(`${binary} started without a pid or pipes`);
    }
    return new CompletionProcess(child as ChildProcess & { pid: number; stdout: Readable; stderr: Readable });
  }

  get pid(): number {
    return this.child.pid;
  }

  get stdout(): Readable {
    return this.child.stdout;
  }

  /** The last part of what it wrote to stderr so far. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Kills the whole process group at once. */
  kill(): void {
    if (this.done) return;
    try {
      // The child leads its own group (detached), so -pid reaches it and anything it started.
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // ESRCH: it has exited already.
    }
  }
}
