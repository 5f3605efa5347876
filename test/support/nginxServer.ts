import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./freePort.js";
import { PROJECT_ROOT } from "./paths.js";
import { until } from "./requests.js";
import { systemBinary } from "./systemBinary.js";

/** Debian's nginx (.ci/run installs it); undefined (skip) when missing outside CI. */
export const NGINX = systemBinary("nginx", "NGINX_PATH", "/usr/sbin/nginx");

/** The nginx configuration docs/scale-out.md ships: its one `nginx` code block. */
export function shippedNginxConfig(): string {
  const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "scale-out.md"), "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error("docs/scale-out.md has no nginx block");
  return block;
}

/**
 * Runs the shipped configuration with its two upstream servers replaced by `upstreams` and its port by a free
 * one, in a directory of its own (pid, logs and temp files); resolves once it proxies /health.
 */
export async function startNginx(upstreams: [string, string]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "llama-api-nginx-"));
  // Workers run as another user when nginx starts as root: they must reach the temp dirs.
  fs.chmodSync(prefix, 0o755);
  fs.mkdirSync(path.join(prefix, "logs"));
  const config = shippedNginxConfig()
    .replace("server 127.0.0.1:8001", `server ${upstreams[0]}`)
    .replace("server 127.0.0.1:8002", `server ${upstreams[1]}`)
    .replace("listen 8080;", `listen 127.0.0.1:${port};`);
  fs.writeFileSync(path.join(prefix, "nginx.conf"), config);
  const child = spawn(NGINX!, ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-g", `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output}`);
    return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200;
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
