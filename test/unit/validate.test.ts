import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/errors/DomainError.js";
import { chatIdSchema } from "../../src/server/schemas/chatIdSchema.js";
import { createRequestSchemas } from "../../src/server/schemas/createRequestSchemas.js";
import { validate } from "../../src/server/validate.js";

const schemas = createRequestSchemas({ maxTokensLimit: 4096, maxMessageChars: 100 });
const completion = (fields: Record<string, unknown>) => ({ messages: [{ role: "user", content: "hi" }], ...fields });

/** The message and param of the error validate throws. */
function refusal(schema: Parameters<typeof validate>[0], input: unknown, whole?: string) {
  try {
    validate(schema, input, whole);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { kind, message, param } = error as DomainError;
    expect(kind).toBe("invalid_request");
    return { message, param };
  }
  throw new Error("validate accepted the input");
}

describe("validate", () => {
  it.each([
    [completion({ stop: ["a", "b", "c", "d", "e"] }), "'stop' must have at most 4 items.", "stop"],
    [completion({ stop: 5 }), "'stop' must be a string or an array.", "stop"],
    [completion({ stop: ["a", 7] }), "'stop[1]' must be a string.", "stop[1]"],
    [completion({ max_tokens: 0 }), "'max_tokens' must be at least 1.", "max_tokens"],
    [completion({ max_tokens: 5000 }), "'max_tokens' must be at most 4096 (LLAMA_MAX_TOKENS_LIMIT).", "max_tokens"],
    [completion({ max_tokens: 1.5 }), "'max_tokens' must be an integer.", "max_tokens"],
    [completion({ top_p: 0 }), "'top_p' must be greater than 0.", "top_p"],
    [completion({ temperature: "hot" }), "'temperature' must be a number.", "temperature"],
    [completion({ stream: "yes" }), "'stream' must be true or false.", "stream"],
    [{ messages: [] }, "'messages' must hold at least one message.", "messages"],
    [{ messages: [{ role: "wizard", content: "hi" }] }, `'messages[0].role' must be one of "system", "developer", "user", "assistant", "tool", "function".`, "messages[0].role"],
    [{ messages: [{ role: "user", content: [{ type: "image", text: "x" }] }] }, `'messages[0].content[0].type' must be "text".`, "messages[0].content[0].type"],
    [{}, "'messages' is required.", "messages"],
  ])("names the field and the rule of the chat completion body %j", (input, message, param) => {
    expect(refusal(schemas.chatCompletion, input)).toEqual({ message, param });
  });

  it.each([
    [{ message: "" }, "'message' must not be empty."],
    [{ message: "x".repeat(101) }, "'message' must be at most 100 characters (MAX_MESSAGE_CHARS)."],
    [{ message: "hi", chat_id: "bad id" }, "'chat_id' must match ^[A-Za-z0-9_-]{1,128}$."],
    [{ message: "hi", temperature: 2.5 }, "'temperature' must be at most 2."],
    [{ message: "hi", seed: -1 }, "'seed' must be at least 0."],
    [{ message: ["hi"] }, "'message' must be a string."],
  ])("names the field and the rule of the POST /chat body %j", (input, message) => {
    expect(refusal(schemas.chat, input).message).toBe(message);
  });

  it("names the whole input when it is the problem, and never repeats the value", () => {
    expect(refusal(schemas.chat, "just text").message).toBe("The request body must be an object.");
    expect(refusal(chatIdSchema, "no spaces allowed", "The X-Chat-Id header")).toEqual({
      message: "The X-Chat-Id header must match ^[A-Za-z0-9_-]{1,128}$.",
      param: undefined,
    });
    const secret = "a very private message";
    expect(refusal(schemas.chatCompletion, { messages: [{ role: secret, content: secret }] }).message).not.toContain(secret);
  });
});
