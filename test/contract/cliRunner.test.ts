import { describe, it } from "vitest";
import { LlamaCliRunner } from "../../src/llm/runners/LlamaCliRunner.js";
import { llamaCliBinary } from "../support/llamaCliBinary.js";
import { runnerContract } from "./runner.contract.js";

const binaryPath = llamaCliBinary();
if (binaryPath === undefined) describe.skip("LlamaCliRunner (runner contract): no llama-completion", () => it("skipped"));
else runnerContract("LlamaCliRunner", (modelPath) => LlamaCliRunner.load({ binaryPath, modelPath, contextSize: 2048, threads: 1 }));
