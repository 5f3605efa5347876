import { existsSync } from "node:fs";

/**
 * The path of a system tool the tests need (redis-server, nginx), or undefined when it is missing on a local
 * run (the tests then skip, saying so). With CI set they fail instead, as the chromium and promtool tests do.
 */
export function systemBinary(name: string, envVar: string, fallback: string): string | undefined {
  const path = process.env[envVar]?.trim() || fallback;
  if (existsSync(path)) return path;
  if ((process.env["CI"] ?? "") !== "") {
    throw new Error(`These tests need ${name} at ${path} (apt-get install ${name}; .ci/run does), or ${envVar} set.`);
  }
  process.stderr.write(`\n*** SKIPPING tests that need ${name}: none at ${path} (apt-get install ${name}). ***\n\n`);
  return undefined;
}
