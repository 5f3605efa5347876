// The dependency rule of src/ (see scripts/layers/layerRules.ts and docs/ARCHITECTURE.md); run by `npm run lint`.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkLayers, readImportGraph } from "./layers/checkLayers.js";

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src");
const problems = checkLayers(readImportGraph(srcDir));
for (const problem of problems) process.stderr.write(`${problem}\n`);
if (problems.length > 0) process.exit(1);
process.stdout.write("layers: imports only go down, no cycles\n");
