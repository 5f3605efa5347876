import type { z } from "zod";
import { DomainError } from "../errors/DomainError.js";

/** Parses input with a schema; the first problem becomes an invalid_request that names the field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") ?? "";
  const problem = issue?.code === "invalid_type" ? `expected ${String(issue.expected)}` : (issue?.message ?? "invalid");
  if (field === "") throw new DomainError("invalid_request", `Invalid request body: ${problem}`);
  throw new DomainError("invalid_request", `Invalid field '${field}': ${problem}`, { param: field });
}
