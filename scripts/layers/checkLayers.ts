import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { LAYER_RULES, layerOf } from "./layerRules.js";

/** Source files (relative to src/, with "/") and the files of ours each one imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every import of every .ts file under `srcDir`, type-only imports included (a cycle of types is still a cycle). */
export function readImportGraph(srcDir: string): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of listTs(srcDir)) {
    const from = path.relative(srcDir, file).split(path.sep).join("/");
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, ".ts"));
    graph.set(from, targets);
  }
  return graph;
}

/** What breaks the rule: upward or sideways imports, imports of main.ts, imports leaving src/, and cycles. */
export function checkLayers(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    const allowed = LAYER_RULES[layer];
    if (allowed === undefined) {
      problems.push(`src/${from}: "${layer}" is not a layer in scripts/layers/layerRules.ts`);
      continue;
    }
    for (const target of targets) {
      const targetLayer = layerOf(target);
      if (target.startsWith("..")) problems.push(`src/${from} imports ${target}, outside src/`);
      else if (targetLayer === "main") problems.push(`src/${from} imports src/main.ts`);
      else if (targetLayer !== layer && !allowed.includes(targetLayer)) {
        problems.push(`src/${from} (${layer}) imports src/${target} (${targetLayer}): ${layer} may import ${allowed.join(", ") || "nothing of ours"}`);
      }
    }
  }
  return [...problems, ...findCycles(graph).map((cycle) => `import cycle: ${cycle.map((file) => `src/${file}`).join(" -> ")}`)];
}

/** Each cycle once, by depth-first search (Tarjan would do too; src/ is small). */
function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string) => {
    const at = onPath.indexOf(file);
    if (at !== -1) {
      cycles.push([...onPath.slice(at), file]);
      return;
    }
    if (done.has(file) || !graph.has(file)) return;
    onPath.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return cycles;
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listTs(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}
