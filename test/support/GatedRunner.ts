import type { Prompt } from "../../src/llm/Prompt.js";
import type { GenerateOptions, Generation, GenerationResult, Runner } from "../../src/llm/Runner.js";
import { DelegatingRunner } from "./DelegatingRunner.js";

/**
 * The real runner, paused after its first `pauseAfter` chunks until `open()` (or until the request's signal
 * aborts, unless `holdThroughAbort`): lets a test act while a reply is provably still being generated. `ignoreEos` is forced so that
 * the random test model cannot end the reply before the pause.
 */
export class GatedRunner extends DelegatingRunner {
  chunksProduced = 0;
  finished = false;
  /** The real runner's result for the latest generation. */
  lastResult: Promise<GenerationResult> | undefined;
  private release!: () => void;
  private gate = new Promise<void>((resolve) => (this.release = resolve));
  private firstChunk!: () => void;
  /** Resolves once the first chunk has been produced. */
  readonly started = new Promise<void>((resolve) => (this.firstChunk = resolve));

  constructor(
    inner: Runner,
    private readonly pauseAfter = 1,
    /** Stay paused after an abort too, until open(): a reply that provably outlives its request's signal. */
    private readonly holdThroughAbort = false,
  ) {
    super(inner);
  }

  open(): void {
    this.release();
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
          if (self.chunksProduced === self.pauseAfter) await (self.holdThroughAbort ? self.gate : Promise.race([self.gate, aborted]));
          self.chunksProduced += 1;
          if (self.chunksProduced === 1) self.firstChunk();
          yield chunk;
        }
        self.finished = true;
      },
    };
  }
}
