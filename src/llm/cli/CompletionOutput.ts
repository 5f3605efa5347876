import { StringDecoder } from "node:string_decoder";

// What llama-completion writes to stdout after the reply: " [end of text]\n" when the model ended it, then
// "\n\n" before its timings (which go to stderr). tools/completion/completion.cpp, at the end of main().
const END_OF_TEXT = " [end of text]\n";
const TRAILER = "\n\n";
const HELD = END_OF_TEXT.length + TRAILER.length;

/**
 * llama-completion's stdout as reply text: UTF-8 decoded across chunk boundaries, with the last few characters
 * held back until the process ends, since they may be its end-of-text marker rather than the reply.
 */
export class CompletionOutput {
  private readonly decoder = new StringDecoder("utf8");
  private held = "";

  /** The text that is certainly reply text so far. */
  push(bytes: Buffer): string {
    this.held += this.decoder.write(bytes);
    let cut = Math.max(0, this.held.length - HELD);
    // Never split a surrogate pair between what is emitted and what is held.
    if (cut > 0 && isHighSurrogate(this.held.charCodeAt(cut - 1))) cut -= 1;
    const emit = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    return emit;
  }

  /** Once stdout has closed: the rest of the reply, and whether the model ended it (end-of-generation token). */
  end(): { text: string; endOfText: boolean } {
    let text = this.held + this.decoder.end();
    this.held = "";
    if (text.endsWith(TRAILER)) text = text.slice(0, -TRAILER.length);
    const endOfText = text.endsWith(END_OF_TEXT);
    if (endOfText) text = text.slice(0, -END_OF_TEXT.length);
    return { text, endOfText };
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
