import type Router from "@koa/router";
import type { ModelHost } from "../../chat/ModelHost.js";
import type { Metrics } from "../../observability/Metrics.js";

/**
 * GET /health and GET /metrics. `shared` reports the parts shared with other replicas (Redis): one that is
 * unavailable makes the replica unavailable too, and says which.
 */
export function monitoringRoutes(
  router: Router,
  host: ModelHost,
  metrics: Metrics,
  shared: () => Promise<Record<string, "ok" | "unavailable">> = async () => ({}),
): void {
  router.get("/health", async (ctx) => {
    const parts = await shared();
    const sharedDown = Object.values(parts).includes("unavailable");
    const ready = host.state === "ready" && !sharedDown;
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set("Retry-After", sharedDown ? "1" : "5");
    ctx.body = {
      status: ready ? "ok" : host.state === "ready" ? "unavailable" : host.state,
      ...parts,
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
