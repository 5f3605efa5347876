import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

// Every server the benchmark starts, so that an error, Ctrl-C or a plain exit never leaves one running.
const running = new Set<ServerProcess>();

export interface ServerProcessOptions {
  label: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Everything the process prints is appended here. */
  logFile: string;
  healthUrl: string;
  startTimeoutMs: number;
}

/**
 * One backend server as a child process in its own process group: stopping it signals the whole group, so
 * the llama-completion processes that the cli runner spawns go with it.
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #lines: string[];
  readonly #exited: Promise<void>;
  #startupMs = 0;

  private constructor(child: ChildProcess, lines: string[], exited: Promise<void>) {
    this.#child = child;
    this.#lines = lines;
    this.#exited = exited;
  }

  /** Starts the process and resolves once `healthUrl` answers 200; rejects (and kills it) otherwise. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const startedAt = performance.now();
    const log = fs.createWriteStream(options.logFile, { flags: "a" });
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const lines: string[] = [];
    let exitCode: string | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        exitCode = String(code ?? signal);
        resolve();
      });
      // spawn failures (a missing binary) arrive as 'error' without 'exit'
      child.once("error", (error) => {
        exitCode = error.message;
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        const parts = (partial + chunk.toString("utf8")).split("\n");
        partial = parts.pop() ?? "";
        lines.push(...parts);
        // only the start-up lines and a tail are kept; the log file has everything
        if (lines.length > 2000) lines.splice(500, lines.length - 1500);
      });
    }
    const server = new ServerProcess(child, lines, exited.finally(() => log.end()));
    running.add(server);

    const deadline = startedAt + options.startTimeoutMs;
    for (;;) {
      if (exitCode !== undefined) {
        running.delete(server);
        throw new Error(`${options.label} exited (${exitCode}) before it was ready:\n${server.tail(15).join("\n")}`);
      }
      if (performance.now() > deadline) {
        await server.stop();
        throw new Error(`${options.label} was not ready after ${options.startTimeoutMs / 1000} s:\n${server.tail(15).join("\n")}`);
      }
      const status = await fetch(options.healthUrl, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    server.#startupMs = performance.now() - startedAt;
    return server;
  }

  /** From spawn to the first 200 from the health URL. */
  get startupMs(): number {
    return this.#startupMs;
  }

  /** The lines printed so far (start-up lines and a recent tail). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  tail(count: number): string[] {
    return this.#lines.slice(-count);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  async stop(graceMs = 5000): Promise<void> {
    running.delete(this);
    signalGroup(this.#child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(this.#child, "SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
    // the cli runner's children may outlive a server that was killed; they share its group
    signalGroup(this.#child, "SIGKILL");
  }

  /** SIGKILL to the group, synchronously. */
  kill(): void {
    running.delete(this);
    signalGroup(this.#child, "SIGKILL");
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Kills every server still running; synchronous, so it also works from an 'exit' handler. */
export function killAllServers(): void {
  for (const server of [...running]) server.kill();
}

/** A port that was free a moment ago on 127.0.0.1 (llama-server cannot be told to pick one itself). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
