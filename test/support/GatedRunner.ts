import type { Prompt } from "../../src/llm/Prompt.js";
import type { GenerateOptions, Generation, GenerationResult, Runner } from "../../src/llm/Runner.js";
import { DelegatingRunner } from "./DelegatingRunner.js";

export interface GateOptions {
  /** Chunks let through before the pause (0: pause before the first one). Default 1. */
  pauseAfter?: number;
  /** Stay paused after the request's signal aborts too, until open(): a reply that outlives its signal. */
  holdThroughAbort?: boolean;
  /** Pause only once the text so far also matches this (for a test that must see visible text, not a lone space). */
  pauseOnceTextMatches?: RegExp;
}

/**
 * The real runner, paused (once) after its first `pauseAfter` chunks until `open()` (or until the request's
 * signal aborts, unless told otherwise): lets a test act while a reply is provably still being generated.
 * `ignoreEos` is forced so that the random test model cannot end the reply before the pause.
 */
export class GatedRunner extends DelegatingRunner {
  chunksProduced = 0;
  finished = false;
  /** The text produced so far, over every generation. */
  text = "";
  /** The real runner's result for the latest generation. */
  lastResult: Promise<GenerationResult> | undefined;
  private release!: () => void;
  private gate = new Promise<void>((resolve) => (this.release = resolve));
  private firstChunk!: () => void;
  /** Resolves once the first chunk has been produced. */
  readonly started = new Promise<void>((resolve) => (this.firstChunk = resolve));
  private atGate!: () => void;
  /** Resolves once a generation waits at the gate. */
  readonly paused = new Promise<void>((resolve) => (this.atGate = resolve));
  private hasPaused = false;
  private readonly options: GateOptions;

  constructor(inner: Runner, pauseAfterOrOptions: number | GateOptions = {}) {
    super(inner);
    this.options = typeof pauseAfterOrOptions === "number" ? { pauseAfter: pauseAfterOrOptions } : pauseAfterOrOptions;
  }

  open(): void {
    this.release();
  }

  private pauseDue(): boolean {
    const { pauseAfter = 1, pauseOnceTextMatches } = this.options;
    return !this.hasPaused && this.chunksProduced >= pauseAfter && (pauseOnceTextMatches?.test(this.text) ?? true);
  }

  override generate(prompt: Prompt, options: GenerateOptions): Generation {
    const inner = this.inner.generate(prompt, { ...options, ignoreEos: true });
    this.lastResult = inner.result;
    const self = this;
    const aborted = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
    return {
      result: inner.result,
      async *[Symbol.asyncIterator]() {
        for await (const chunk of inner) {
          if (self.pauseDue()) {
            self.hasPaused = true;
            self.atGate();
            await (self.options.holdThroughAbort === true ? self.gate : Promise.race([self.gate, aborted]));
          }
          self.chunksProduced += 1;
          self.text += chunk;
          if (self.chunksProduced === 1) self.firstChunk();
          yield chunk;
        }
        self.finished = true;
      },
    };
  }
}
