import type { z } from "zod";
import { BadRequestError } from "./httpErrors.js";

/** Parses input with a schema; the first problem becomes a 400 that names the field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") ?? "";
  const problem = issue?.code === "invalid_type" ? `expected ${String(issue.expected)}` : (issue?.message ?? "invalid");
  if (field === "") throw new BadRequestError(`Invalid request body: ${problem}`);
  throw new BadRequestError(`Invalid field '${field}': ${problem}`, field);
}
