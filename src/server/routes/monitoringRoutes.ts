import type Router from "@koa/router";
import type { ModelHost } from "../../chat/ModelHost.js";
import type { Metrics } from "../../observability/Metrics.js";

/** GET /health and GET /metrics. */
export function monitoringRoutes(router: Router, host: ModelHost, metrics: Metrics): void {
  router.get("/health", (ctx) => {
    const ready = host.state === "ready";
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set("Retry-After", "5");
    ctx.body = {
      status: ready ? "ok" : host.state,
      model: host.modelName,
      ...(host.runnerKind === undefined ? {} : { runner: host.runnerKind }),
      ...(host.generated ? { warning: "test model with random weights: its output is noise" } : {}),
    };
  });

  router.get("/metrics", async (ctx) => {
    metrics.modelLoaded.set(host.state === "ready" ? 1 : 0);
    metrics.queueDepth.set(host.queueDepth);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
