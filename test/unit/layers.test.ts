import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkLayers, readImportGraph } from "../../scripts/layers/checkLayers.js";
import { PROJECT_ROOT } from "../support/paths.js";

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe("the dependency rule of src/", () => {
  it("holds for the code as it is: imports only go down, no cycles", () => {
    expect(checkLayers(readImportGraph(path.join(PROJECT_ROOT, "src")))).toEqual([]);
  });

  it("reads real imports, type-only ones included", () => {
    const imports = readImportGraph(path.join(PROJECT_ROOT, "src"));
    expect(imports.get("llm/buildPrompt.ts")).toContain("errors/DomainError.ts");
    expect(imports.get("llm/buildPrompt.ts")).toContain("sessions/Session.ts");
  });

  it("fails when the model layer imports the server", () => {
    const problems = checkLayers(graph({ "llm/buildPrompt.ts": ["server/errorTable.ts"], "server/errorTable.ts": [] }));
    expect(problems).toEqual([expect.stringContaining("src/llm/buildPrompt.ts (llm) imports src/server/errorTable.ts (server)")]);
  });

  it.each([
    ["config", "config/loadConfig.ts", "llm/Runner.ts"],
    ["sessions", "sessions/Session.ts", "chat/ChatService.ts"],
    ["chat", "chat/ChatService.ts", "server/createApp.ts"],
    ["llm", "llm/Runner.ts", "chat/ModelHost.ts"],
  ])("fails when %s imports a layer above it", (_, from, to) => {
    expect(checkLayers(graph({ [from]: [to], [to]: [] }))).toHaveLength(1);
  });

  it("fails when anything imports main.ts, or a folder is not a known layer", () => {
    expect(checkLayers(graph({ "server/createApp.ts": ["main.ts"], "main.ts": [] }))).toEqual([
      "src/server/createApp.ts imports src/main.ts",
    ]);
    expect(checkLayers(graph({ "misc/helper.ts": [] }))[0]).toContain('"misc" is not a layer');
  });

  it("fails on an import cycle, within one layer too", () => {
    const problems = checkLayers(graph({ "llm/a.ts": ["llm/b.ts"], "llm/b.ts": ["llm/c.ts"], "llm/c.ts": ["llm/a.ts"] }));
    expect(problems).toEqual(["import cycle: src/llm/a.ts -> src/llm/b.ts -> src/llm/c.ts -> src/llm/a.ts"]);
  });
});
