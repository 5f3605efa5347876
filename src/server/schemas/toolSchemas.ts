import { z } from "zod";

/** OpenAI's function names (also what node-llama-cpp's syntaxes and the grammar can carry). */
const functionName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes");

const jsonSchema = z.record(z.string(), z.unknown()).describe("A JSON Schema (enforced by a grammar; see the README).");

export const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: functionName,
    description: z.string().optional(),
    parameters: jsonSchema.optional().describe("JSON Schema of the arguments object; absent: no arguments."),
    strict: z.boolean().nullable().optional().describe("Accepted; arguments always follow the schema."),
  }),
});

export const toolChoiceSchema = z
  .union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: functionName }) })])
  .describe('"auto" (the default with tools), "none", "required", or one function.');

export const responseFormatSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object({
        name: z.string(),
        description: z.string().optional(),
        schema: jsonSchema.optional(),
        strict: z.boolean().nullable().optional().describe("Accepted; the output always follows the schema."),
      }),
    }),
  ])
  .describe("Structured output, enforced by a grammar while the reply is sampled.");

export const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string(), arguments: z.string().describe("The arguments object as JSON text.") }),
});
