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
  { field: "tools", feature: "tool calling", accepts: isEmpty, accepted: "an empty list", message: "Tool calling is not supported." },
  onlyValue("tool_choice", "tool calling", "none", "Tool calling is not supported."),
  { field: "functions", feature: "function calling", accepts: isEmpty, accepted: "an empty list", message: "Function calling is not supported." },
  onlyValue("function_call", "function calling", "none", "Function calling is not supported."),
  {
    field: "response_format",
    feature: "structured output",
    accepts: (value) => isAbsent(value) || (value as { type?: unknown }).type === "text",
    accepted: '{"type": "text"}',
    message: 'Only response_format {"type": "text"} is supported.',
  },
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

/** A field accepted when absent or equal to the one value that asks for nothing. */
function onlyValue(field: string, feature: string, value: string | number | boolean, message: string): UnsupportedField {
  return { field, feature, accepts: (given) => isAbsent(given) || given === value, accepted: JSON.stringify(value), message };
}

/** A message's tool calls, when it has any. */
export const hasToolCalls = (message: object): boolean => !isEmpty((message as { tool_calls?: unknown }).tool_calls);
