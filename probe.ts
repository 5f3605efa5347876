import { getLlama, LlamaGrammarEvaluationState } from "node-llama-cpp";
import { Ajv2020 } from "ajv/dist/2020.js";
import { jsonSchemaGrammar, jsonObjectGrammar } from "./src/llm/grammar/jsonSchemaGrammar.js";
const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, maxThreads: 1 });
const model = await llama.loadModel({ modelPath: "models/test-model.gguf" });
const context = await model.createContext({ contextSize: 2048, threads: 1 });
const seq = context.getSequence();
const ajv = new Ajv2020({ strict: false });
const schemas: any[] = [
  { type: "object", properties: { answer: { enum: ["yes", "no"] }, sure: { type: "boolean" }, n: { type: "integer", minimum: -5, maximum: 120 }, p: { type: "number", minimum: 0, maximum: 1 }, tags: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 3 }, opt: { type: ["string", "null"], maxLength: 3 } }, required: ["answer", "sure", "n"], additionalProperties: false },
  { anyOf: [{ type: "boolean" }, { type: "null" }] },
  { $defs: { node: { type: "object", properties: { v: { type: "integer", minimum: 0, maximum: 9 }, next: { anyOf: [{ $ref: "#/$defs/node" }, { type: "null" }] } }, required: ["v", "next"] } }, $ref: "#/$defs/node" },
  { type: "array", prefixItems: [{ const: 1 }, { type: "boolean" }], items: { enum: ["a", "b"] }, maxItems: 4 },
  { oneOf: [{ type: "object", properties: { kind: { const: "a" }, x: { type: "boolean" } }, required: ["kind", "x"] }, { type: "object", properties: { kind: { const: "b" } }, required: ["kind"] }] },
  { type: "object", properties: { a: { type: "boolean" }, b: { type: "boolean" } } },
  { type: "number", exclusiveMinimum: 0, maximum: 3 },
];
for (const schema of schemas) {
  const gbnf = jsonSchemaGrammar(schema, "x");
  let grammar;
  try { grammar = await llama.createGrammar({ grammar: gbnf }); } catch (e) { console.log("FAIL", gbnf, e); continue; }
  const validate = ajv.compile(schema);
  let stops = 0;
  for (let seed = 1; seed <= 8; seed++) {
    await seq.clearHistory();
    const state = new LlamaGrammarEvaluationState({ model, grammar });
    const out: number[] = [];
    let eog = false;
    for await (const token of seq.evaluate(model.tokenize("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", true), { temperature: 1, seed, grammarEvaluationState: state, yieldEogToken: true })) {
      if (model.isEogToken(token)) { eog = true; break; }
      out.push(token);
      if (out.length > 300) break;
    }
    const text = model.detokenize(out, false);
    if (eog) { stops++; let ok = false; try { ok = validate(JSON.parse(text)) as boolean; } catch {} if (!ok) console.log("INVALID", JSON.stringify(text), validate.errors); }
    if (seed <= 2) console.log(eog, JSON.stringify(text).slice(0, 200));
  }
  console.log("stops", stops, "/8");
}
for (const bad of [{ type: "string", pattern: "a" }, { properties: { x: { format: "email", type: "string" } } }, { oneOf: [{ type: "integer" }, { type: "number" }] }, { type: "number", minimum: 0.5 }]) {
  try { jsonSchemaGrammar(bad, "p"); console.log("accepted?!", bad); } catch (e: any) { console.log(e.message.slice(0, 120)); }
}
console.log(jsonObjectGrammar());
await llama.dispose();
