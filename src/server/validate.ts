import type { z } from "zod";
import { DomainError } from "../errors/DomainError.js";
import { describeIssue, fieldName } from "./describeIssue.js";

/**
 * Parses input with a schema; the first problem becomes an invalid_request that names the field and the rule it
 * broke ("'stop' must have at most 4 items."). `whole` names the input itself, for a problem with all of it.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, whole = "The request body"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { path, rule } = describeIssue(result.error.issues[0]!);
  if (path.length === 0) throw new DomainError("invalid_request", `${whole} ${rule}.`);
  const field = fieldName(path);
  throw new DomainError("invalid_request", `'${field}' ${rule}.`, { param: field });
}
