import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { GenerationResult } from "../llm/Runner.js";

/** The Prometheus registry and every metric the server records. One per app, so tests never share counters. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "llama_api_http_requests_total",
    help: "HTTP requests answered, by method, matched route and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: "llama_api_http_request_duration_seconds",
    help: "Time from request to the end of the response, streaming included.",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly promptTokens = new Counter({
    name: "llama_api_prompt_tokens_total",
    help: "Prompt tokens of generation requests.",
    registers: [this.registry],
  });

  readonly cachedPromptTokens = new Counter({
    name: "llama_api_prompt_tokens_cached_total",
    help: "Prompt tokens reused from a sequence's KV cache instead of being evaluated.",
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: "llama_api_queue_depth",
    help: "Requests waiting for a free sequence of the model.",
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: "llama_api_queue_wait_seconds",
    help: "Time a generation request waited for a free sequence.",
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly generatedTokens = new Counter({
    name: "llama_api_generated_tokens_total",
    help: "Tokens generated.",
    registers: [this.registry],
  });

  readonly timeToFirstToken = new Histogram({
    name: "llama_api_time_to_first_token_seconds",
    help: "Time from the start of generation to the first text chunk.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tokensPerSecond = new Histogram({
    name: "llama_api_generation_tokens_per_second",
    help: "Generation speed of each reply after its first token.",
    buckets: [1, 5, 10, 20, 40, 60, 80, 100, 150, 200, 400, 800],
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: "llama_api_requests_in_flight",
    help: "Generation requests being served now.",
    registers: [this.registry],
  });

  readonly chatLockWaiting = new Gauge({
    name: "llama_api_chat_lock_waiting",
    help: "Requests waiting for another request on the same chat to finish.",
    registers: [this.registry],
  });

  readonly modelLoaded = new Gauge({
    name: "llama_api_model_loaded",
    help: "1 once the model is loaded and ready, else 0.",
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: "llama_api_rate_limited_total",
    help: "Requests refused by a rate limit: chats per hour, or authentication failures per hour.",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  /** One finished generation's token counts and timings. */
  recordGeneration(outcome: GenerationResult): void {
    this.promptTokens.inc(outcome.promptTokens);
    this.cachedPromptTokens.inc(outcome.cachedTokens);
    if (outcome.queueSeconds !== undefined) this.queueWait.observe(outcome.queueSeconds);
    this.generatedTokens.inc(outcome.generatedTokens);
    if (outcome.timeToFirstTokenSeconds !== undefined) this.timeToFirstToken.observe(outcome.timeToFirstTokenSeconds);
    if (outcome.generationSeconds > 0 && outcome.generatedTokens > 1) {
      this.tokensPerSecond.observe((outcome.generatedTokens - 1) / outcome.generationSeconds);
    }
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges *_total, which `promtool check metrics` rejects (a suffix reserved for
    // counters); the same numbers stay available per type in nodejs_active_{handles,requests,resources}.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      this.registry.removeSingleMetric(name);
    }
  }
}
