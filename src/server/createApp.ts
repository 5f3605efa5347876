import Koa from "koa";
import Router from "@koa/router";
import cors from "@koa/cors";
import type { Logger } from "pino";
import { ChatService } from "../chat/ChatService.js";
import type { ModelHost } from "../chat/ModelHost.js";
import type { Config } from "../config/loadConfig.js";
import type { Metrics } from "../observability/Metrics.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import type { ApiKeys } from "./auth/ApiKeys.js";
import { AuthFailureLimiter } from "./limits/AuthFailureLimiter.js";
import { chatRateLimit } from "./limits/chatRateLimit.js";
import { localParts, type SharedState } from "./openSharedState.js";
import { errorHandler } from "./middleware/errorHandler.js";
import { requestLog } from "./middleware/requestLog.js";
import { jsonBody } from "./middleware/jsonBody.js";
import { requireApiKey } from "./middleware/requireApiKey.js";
import { requireKnownHost } from "./middleware/requireKnownHost.js";
import { buildOpenApiDocument } from "./openapi/buildOpenApiDocument.js";
import { openaiRoutes } from "./openai/openaiRoutes.js";
import { chatRoutes } from "./routes/chatRoutes.js";
import { docsRoutes } from "./routes/docsRoutes.js";
import { historyRoutes } from "./routes/historyRoutes.js";
import { monitoringRoutes } from "./routes/monitoringRoutes.js";
import { isWebPath, webRoutes } from "./routes/webRoutes.js";
import { createRequestSchemas } from "./schemas/createRequestSchemas.js";

export interface AppDeps {
  /** The version shown in the OpenAPI document. */
  version?: string;
  config: Config;
  host: ModelHost;
  store: SessionStore;
  keys: ApiKeys;
  metrics: Metrics;
  logger: Logger;
  /** Locks, rate-limit counts and their health shared with other replicas (openSharedState); in-process by default. */
  shared?: Pick<SharedState, "lock" | "counter" | "health">;
}

export interface App {
  koa: Koa;
  /** Every API route's router, for the test that compares them with the OpenAPI document (the chat page is not API). */
  routers: Router[];
  /** Graceful shutdown of running turns: see ChatService.drain. */
  drain(graceMs: number): Promise<void>;
}

/** The composition root for HTTP: builds the Koa app from its parts and never listens. */
export function createApp(deps: AppDeps): App {
  const { config, host, store, keys, metrics, logger } = deps;
  const koa = new Koa({ proxy: config.trustProxy });
  const shared = deps.shared ?? localParts();
  const chats = new ChatService({ config, host, store, lock: shared.lock, metrics, logger });
  const { counter } = shared;
  const rateLimit = chatRateLimit({ perHour: config.chatsPerHour, counter, metrics });
  const authFailures = new AuthFailureLimiter(config.authFailuresPerHour, counter);

  const schemas = createRequestSchemas(config);

  const publicRouter = new Router();
  monitoringRoutes(publicRouter, host, metrics, shared.health);
  docsRoutes(publicRouter, buildOpenApiDocument(schemas, deps.version ?? "0.0.0"));
  const webRouter = new Router();
  webRoutes(webRouter);
  const isPublic = (path: string) =>
    isWebPath(path) || path === "/health" || path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/") ||
    (path === "/metrics" && !config.metricsRequireKey);
  const checkKey = requireApiKey(keys, authFailures, metrics);

  const router = new Router();
  chatRoutes(router, { chats, rateLimit, schema: schemas.chat });
  historyRoutes(router, chats);
  openaiRoutes(router, { chats, host, config, rateLimit, schemas, startedAt: Math.floor(Date.now() / 1000) });

  // Errors after the headers went out are handled (and logged) where they happen; Koa's own printer is noise.
  koa.on("error", (error: Error) => logger.debug({ err: error }, "response stream ended with an error"));

  koa.use(requestLog(logger, metrics)).use(errorHandler(logger)).use(requireKnownHost(config.host, config.allowedHosts));
  if (config.corsOrigins.length > 0) {
    // Before auth: a browser's preflight carries no key.
    const allowed = new Set(config.corsOrigins);
    koa.use(
      cors({
        origin: (ctx) => (allowed.has("*") ? "*" : allowed.has(ctx.get("Origin")) ? ctx.get("Origin") : ""),
        allowHeaders: ["Content-Type", "X-API-Key", "Authorization", "X-Chat-Id"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "x-should-retry", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Served-By"],
      }),
    );
  }
  koa
    .use(async (ctx, next) => (isPublic(ctx.path) ? next() : checkKey(ctx, next)))
    // Which replica answered (behind a proxy that routes chats by X-Chat-Id): for clients with a key only.
    .use(async (ctx, next) => {
      if (!isPublic(ctx.path)) ctx.set("X-Served-By", config.replicaName);
      await next();
    })
    .use(webRouter.routes())
    .use(publicRouter.routes())
    .use(jsonBody(config.maxBodyBytes))
    .use(router.routes())
    .use(router.allowedMethods())
    .use(publicRouter.allowedMethods())
    .use(webRouter.allowedMethods());
  return { koa, routers: [publicRouter, router], drain: (graceMs) => chats.drain(graceMs) };
}
