import Koa from "koa";
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import type { Logger } from "pino";
import type { Config } from "../config/loadConfig.js";
import type { ModelHost } from "../llm/ModelHost.js";
import type { Metrics } from "../observability/Metrics.js";
import { ChatMutex } from "../sessions/ChatMutex.js";
import type { SessionStore } from "../sessions/SessionStore.js";
import type { ApiKeys } from "./auth/ApiKeys.js";
import { ChatService } from "./ChatService.js";
import { errorHandler } from "./middleware/errorHandler.js";
import { requestLog } from "./middleware/requestLog.js";
import { requireApiKey } from "./middleware/requireApiKey.js";
import { requireJson } from "./middleware/requireJson.js";
import { chatRoutes } from "./routes/chatRoutes.js";
import { historyRoutes } from "./routes/historyRoutes.js";
import { monitoringRoutes } from "./routes/monitoringRoutes.js";

export interface AppDeps {
  config: Config;
  host: ModelHost;
  store: SessionStore;
  keys: ApiKeys;
  metrics: Metrics;
  logger: Logger;
}

/** The composition root for HTTP: builds the Koa app from its parts and never listens. */
export function createApp(deps: AppDeps): Koa {
  const { config, host, store, keys, metrics, logger } = deps;
  const app = new Koa();
  const chats = new ChatService({ config, host, store, mutex: new ChatMutex(), metrics, logger });

  const publicRouter = new Router();
  monitoringRoutes(publicRouter, host, metrics);
  const publicPaths = new Set(["/health", ...(config.metricsRequireKey ? [] : ["/metrics"])]);

  const router = new Router();
  chatRoutes(router, chats, config);
  historyRoutes(router, chats, store);

  // Errors after the headers went out are handled (and logged) where they happen; Koa's own printer is noise.
  app.on("error", (error: Error) => logger.debug({ err: error }, "response stream ended with an error"));

  app
    .use(requestLog(logger, metrics))
    .use(errorHandler(logger))
    .use(async (ctx, next) => (publicPaths.has(ctx.path) ? next() : requireApiKey(keys)(ctx, next)))
    .use(publicRouter.routes())
    .use(requireJson())
    .use(bodyParser({ enableTypes: ["json"], jsonStrict: true }))
    .use(router.routes())
    .use(router.allowedMethods())
    .use(publicRouter.allowedMethods());
  return app;
}
