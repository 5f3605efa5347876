import { Ajv2020 } from "ajv/dist/2020.js";

const ajv = new Ajv2020({ strict: false, allErrors: true });

/**
 * Whether a value validates against a JSON Schema, checked by ajv (a validator independent of the grammar
 * that produced the value). Throws with ajv's errors, so a failure shows why.
 */
export function assertValid(schema: object, value: unknown): void {
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  const validate = ajv.compile(rest);
  if (!validate(value)) throw new Error(`${JSON.stringify(value)} does not validate: ${ajv.errorsText(validate.errors)}`);
}
