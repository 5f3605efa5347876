import { killAllServers } from "./ServerProcess.js";

/** No server a script started outlives it, however it ends: an exception, Ctrl-C, `timeout`, a closed terminal. */
export function stopServersOnExit(): void {
  process.on("exit", killAllServers);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => process.exit(130));
  }
}
