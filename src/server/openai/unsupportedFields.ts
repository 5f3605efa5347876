import { DomainError } from "../../errors/DomainError.js";

const isAbsent = (value: unknown) => value === undefined || value === null;
const isEmpty = (value: unknown) =>
  isAbsent(value) ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);

export interface UnsupportedField {
  field: string;
  /** What the field asks for, for the OpenAPI document. */
  feature: string;
  /** The values that mean "not used": accepted and ignored. */
  accepts: (value: unknown) => boolean;
  /** Those values in words, for the OpenAPI document. */
  accepted: string;
  /** The 400's message when anything else is asked for. */
  message: string;
}

/**
 * Every OpenAI chat-completion field this server does not implement: the one list from which both the request
 * schema's documentation and the refusal (rejectUnsupported) are made.
 */
export const UNSUPPORTED_FIELDS: readonly UnsupportedField[] = [
  {
    field: "functions",
    feature: "legacy function calling",
    accepts: isEmpty,
    accepted: "an empty list",
    message: "The legacy `functions` field is not supported; send `tools`.",
  },
  onlyValue("function_call", "legacy function calling", "none", "The legacy `function_call` field is not supported; send `tool_choice`."),
  onlyValue("frequency_penalty", "penalties", 0, "frequency_penalty is not supported."),
  onlyValue("presence_penalty", "penalties", 0, "presence_penalty is not supported."),
  onlyValue("logprobs", "log probabilities", false, "logprobs is not supported."),
  onlyValue("top_logprobs", "log probabilities", 0, "top_logprobs is not supported."),
  { field: "logit_bias", feature: "logit bias", accepts: isEmpty, accepted: "an empty object", message: "logit_bias is not supported." },
  {
    field: "modalities",
    feature: "audio",
    accepts: (value) => isAbsent(value) || (Array.isArray(value) && value.every((item) => item === "text")),
    accepted: '["text"]',
    message: "Only the text modality is supported.",
  },
  { field: "audio", feature: "audio output", accepts: isAbsent, accepted: "null", message: "Audio output is not supported." },
  { field: "prediction", feature: "predicted outputs", accepts: isAbsent, accepted: "null", message: "Predicted outputs are not supported." },
  { field: "web_search_options", feature: "web search", accepts: isAbsent, accepted: "null", message: "Web search is not supported." },
];

/** The legacy completions fields this server does not implement (`/v1/completions`), refused the same way. */
export const UNSUPPORTED_COMPLETION_FIELDS: readonly UnsupportedField[] = [
  onlyValue("echo", "echoing the prompt", false, "echo is not supported."),
  { field: "suffix", feature: "insertion", accepts: (value) => isAbsent(value) || value === "", accepted: "null", message: "suffix is not supported." },
  { field: "best_of", feature: "best-of sampling", accepts: (value) => isAbsent(value) || value === 1, accepted: "1", message: "best_of is not supported." },
  { field: "n", feature: "several choices", accepts: (value) => isAbsent(value) || value === 1, accepted: "1", message: "Only n=1 is supported." },
  { field: "logprobs", feature: "log probabilities", accepts: isAbsent, accepted: "null", message: "logprobs is not supported." },
  onlyValue("frequency_penalty", "penalties", 0, "frequency_penalty is not supported."),
  onlyValue("presence_penalty", "penalties", 0, "presence_penalty is not supported."),
  { field: "logit_bias", feature: "logit bias", accepts: isEmpty, accepted: "an empty object", message: "logit_bias is not supported." },
];

/** Refuses, naming the field, the first field of `fields` that asks for something. */
export function refuseUnsupported(body: object, fields: readonly UnsupportedField[]): void {
  for (const { field, accepts, message } of fields) {
    if (!accepts((body as Record<string, unknown>)[field])) throw new DomainError("invalid_request", message, { param: field });
  }
}

/** A field accepted when absent or equal to the one value that asks for nothing. */
function onlyValue(field: string, feature: string, value: string | number | boolean, message: string): UnsupportedField {
  return { field, feature, accepts: (given) => isAbsent(given) || given === value, accepted: JSON.stringify(value), message };
}

