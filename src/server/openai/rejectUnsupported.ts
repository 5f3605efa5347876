import { BadRequestError } from "../httpErrors.js";
import type { ChatCompletionRequest } from "./chatCompletionSchema.js";

const isAbsent = (value: unknown) => value === undefined || value === null;
const isEmpty = (value: unknown) =>
  isAbsent(value) ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);

/** Each field the server does not implement, with the values that mean "not used" (accepted and ignored). */
const UNSUPPORTED: ReadonlyArray<readonly [keyof ChatCompletionRequest, (value: unknown) => boolean, string]> = [
  ["tools", isEmpty, "Tool calling is not supported."],
  ["tool_choice", (value) => isAbsent(value) || value === "none", "Tool calling is not supported."],
  ["functions", isEmpty, "Function calling is not supported."],
  ["function_call", (value) => isAbsent(value) || value === "none", "Function calling is not supported."],
  [
    "response_format",
    (value) => isAbsent(value) || (value as { type?: unknown }).type === "text",
    'Only response_format {"type": "text"} is supported.',
  ],
  ["frequency_penalty", (value) => isAbsent(value) || value === 0, "frequency_penalty is not supported."],
  ["presence_penalty", (value) => isAbsent(value) || value === 0, "presence_penalty is not supported."],
  ["logprobs", (value) => isAbsent(value) || value === false, "logprobs is not supported."],
  ["top_logprobs", (value) => isAbsent(value) || value === 0, "top_logprobs is not supported."],
  ["logit_bias", isEmpty, "logit_bias is not supported."],
  [
    "modalities",
    (value) => isAbsent(value) || (Array.isArray(value) && value.every((item) => item === "text")),
    "Only the text modality is supported.",
  ],
  ["audio", isAbsent, "Audio output is not supported."],
  ["prediction", isAbsent, "Predicted outputs are not supported."],
  ["web_search_options", isAbsent, "Web search is not supported."],
];

/** Refuses, naming the field, anything the request asks for that this server cannot do. */
export function rejectUnsupported(body: ChatCompletionRequest): void {
  if (!isAbsent(body.n) && body.n !== 1) throw new BadRequestError("Only n=1 is supported.", "n");
  for (const [field, accepted, message] of UNSUPPORTED) {
    if (!accepted(body[field])) throw new BadRequestError(message, field);
  }
  body.messages.forEach((message, index) => {
    if (message.role === "tool" || message.role === "function") {
      throw new BadRequestError(`Tool and function messages are not supported.`, `messages[${index}].role`);
    }
    if ((message as { tool_calls?: unknown }).tool_calls !== undefined && !isEmpty((message as { tool_calls?: unknown }).tool_calls)) {
      throw new BadRequestError("Tool calls are not supported.", `messages[${index}].tool_calls`);
    }
  });
}
