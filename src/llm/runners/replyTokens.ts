import {
  LlamaGrammarEvaluationState,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type SequenceEvaluateOptions,
  type Token,
} from "node-llama-cpp";
import { TriggerFinder } from "../TriggerFinder.js";

export interface ReplyGrammar {
  grammar: LlamaGrammar;
  /** Unset: the grammar applies from the first token; set: from the end of the first of these texts. */
  triggers?: readonly string[] | undefined;
}

/**
 * The tokens of a reply as `sequence.evaluate` samples them, under a grammar when one is given. End-of-generation
 * tokens are yielded (the caller decides what they mean). The grammar's state lives with this evaluation only,
 * so the sequence's KV cache is reused as for any other reply.
 *
 * A lazy grammar starts where its trigger text ends. When the token that completes the trigger runs past it
 * (a tokenizer merging "call: " with the next word), that token is never evaluated: the part of it up to the
 * trigger's end is tokenized again and evaluated instead, so the grammar starts exactly at the trigger's end and
 * the tokens yielded are exactly the tokens the sequence holds.
 */
export async function* replyTokens(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  input: Token[],
  options: SequenceEvaluateOptions,
  grammar: ReplyGrammar | undefined,
): AsyncGenerator<Token, void, undefined> {
  const sampling = { ...options, yieldEogToken: true };
  const constrained = (tokens: Token[]) =>
    sequence.evaluate(tokens, { ...sampling, grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar: grammar!.grammar }) });
  if (grammar === undefined) {
    yield* sequence.evaluate(input, sampling);
    return;
  }
  if (grammar.triggers === undefined || grammar.triggers.length === 0) {
    yield* constrained(input);
    return;
  }

  const finder = new TriggerFinder(grammar.triggers);
  const recent = input.slice(-8);
  let restart: Token[] | undefined;
  for await (const token of sequence.evaluate(input, sampling)) {
    const text = model.detokenize([token], true, recent);
    recent.push(token);
    recent.splice(0, recent.length - 8);
    const end = model.isEogToken(token) ? undefined : finder.push(text);
    if (end === undefined) {
      yield token;
      continue;
    }
    // The trigger ends inside this token: evaluate what it holds up to there, then constrain the rest.
    const leftover = text.slice(end);
    restart = leftover === "" ? [token] : model.tokenize(text.slice(0, end), false, "trimLeadingSpace");
    if (restart.length === 0) restart = [token];
    break;
  }
  if (restart === undefined) return;
  yield* restart;
  yield* constrained(restart);
}
