/**
 * The dependency rule of `src/`, as data: each top-level folder (a layer) and the layers it may import from.
 * Imports go only downward; a folder missing here is itself a violation, so a new layer has to be placed.
 * Written down in docs/ARCHITECTURE.md; checked by `npm run lint` and test/unit/layers.test.ts.
 */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  // The bottom: they import nothing of ours.
  errors: [],
  config: [],
  testModel: [],
  // The model and the store.
  llm: ["errors", "config", "testModel", "sessions"],
  sessions: ["errors", "config"],
  observability: ["llm"],
  // The chat core: turns, locks, streaming, shutdown; no HTTP.
  chat: ["errors", "config", "llm", "sessions", "observability"],
  // Koa: routes, middleware, wire formats.
  server: ["errors", "config", "llm", "sessions", "observability", "chat"],
  // main.ts wires everything; nothing imports it.
  main: ["errors", "config", "testModel", "llm", "sessions", "observability", "chat", "server"],
};

/** The layer of a file given by its path relative to `src/`: its top folder, or "main" for src/main.ts. */
export function layerOf(relativePath: string): string {
  const [first, ...rest] = relativePath.split("/");
  if (rest.length === 0) return first === "main.ts" ? "main" : `(file ${first})`;
  return first!;
}
