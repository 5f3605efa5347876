import { spawn, type ChildProcess } from "node:child_process";
import { RedisConnection } from "../../src/sessions/redis/RedisConnection.js";
import { freePort } from "./freePort.js";
import { systemBinary } from "./systemBinary.js";

/** Debian's redis-server (.ci/run installs it); undefined (skip) when missing outside CI. */
export const REDIS_SERVER = systemBinary("redis-server", "REDIS_SERVER_PATH", "/usr/bin/redis-server");

export interface RedisServer {
  url: string;
  port: number;
  /** Stops it (SIGKILL: everything in it is gone, as nothing is kept on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** SIGSTOP or SIGCONT: a Redis that stalls (connections stay open, nothing answers), then resumes. */
  signal(signal: "SIGSTOP" | "SIGCONT"): void;
}

/** A real redis-server on a free loopback port, nothing kept on disk. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"];
    const started = spawn(REDIS_SERVER!, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      });
      started.once("exit", (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    signal: (signal) => child?.kill(signal),
    async stop() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGKILL");
      running.kill("SIGCONT");
      await exited;
    },
  };
}

/** A fresh redis-server and one connection to it, and how to close both. */
export async function connectToFreshRedis(): Promise<{ redis: RedisServer; connection: RedisConnection; close(): Promise<void> }> {
  const redis = await startRedis();
  const connection = await RedisConnection.open(redis.url);
  return {
    redis,
    connection,
    async close() {
      await connection.close();
      await redis.stop();
    },
  };
}
