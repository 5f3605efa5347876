import { createReadStream } from "node:fs";
import path from "node:path";
import type Router from "@koa/router";
import { getAbsoluteFSPath } from "swagger-ui-dist";

/** Swagger UI's files served under /docs/ (a fixed list: nothing else from the package is reachable). */
// A Map, not an object: `constructor` or `__proto__` in the URL must not find anything.
const ASSETS = new Map<string, string>([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ["swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"],
  ["favicon-32x32.png", "image/png"],
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>llama-api: API documentation</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
`;

/** GET /openapi.json and the interactive docs at /docs, from swagger-ui-dist's static files (works offline). */
export function docsRoutes(router: Router, document: object): void {
  const assetsDir = getAbsoluteFSPath();
  const json = JSON.stringify(document);

  router.get("/openapi.json", (ctx) => {
    ctx.type = "application/json";
    ctx.body = json;
  });

  router.get("/docs", (ctx) => {
    ctx.type = "text/html; charset=utf-8";
    ctx.body = PAGE;
  });

  router.get("/docs/:file", (ctx) => {
    const type = ASSETS.get(ctx.params["file"] ?? "");
    if (type === undefined) return;
    ctx.type = type;
    ctx.set("Cache-Control", "public, max-age=86400");
    ctx.body = createReadStream(path.join(assetsDir, ctx.params["file"]!));
  });
}
