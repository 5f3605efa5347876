import fs from "node:fs/promises";
import { isGeneratedModel } from "../src/testModel/generatedModelMarker.js";
import { writeTestModel } from "../src/testModel/writeTestModel.js";
import { TEST_MODEL_PATH } from "./support/paths.js";

/** `npm test` creates the test model when it is missing, so a fresh checkout needs no extra step. */
export default async function setup(): Promise<void> {
  const present = await fs.access(TEST_MODEL_PATH).then(() => true, () => false);
  if (present && (await isGeneratedModel(TEST_MODEL_PATH))) return;
  await writeTestModel({ outPath: TEST_MODEL_PATH });
}
