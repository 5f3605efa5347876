import { NodeLlamaCppRunner } from "../../src/llm/runners/NodeLlamaCppRunner.js";
import { runnerContract } from "./runner.contract.js";

runnerContract("NodeLlamaCppRunner", (modelPath) =>
  NodeLlamaCppRunner.load({ modelPath, contextSize: 2048, threads: 1, gpu: false }),
);
