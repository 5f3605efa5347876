import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Router from "@koa/router";

/** `web/` at the project root: three levels up from both src/server/routes and dist/server/routes. */
const WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));
const packageFile = createRequire(import.meta.url).resolve;

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

interface Asset {
  file: string;
  type: string;
}

/** The page's own scripts, ES modules that import each other by these names. */
const SCRIPTS = [
  "main.js",
  "dom.js",
  "api.js",
  "describeError.js",
  "chatId.js",
  "readCompletionStream.js",
  "renderMarkdown.js",
  "replyStats.js",
  "keyForm.js",
  "chatList.js",
  "conversation.js",
];

/**
 * The chat page's files by URL path: a fixed list, so nothing else on disk is reachable. Markdown rendering and
 * sanitising come from the marked and DOMPurify packages' own browser builds (no CDN: works offline).
 */
const ASSETS = new Map<string, Asset>([
  ["/", { file: path.join(WEB_DIR, "index.html"), type: HTML }],
  ["/favicon.ico", { file: path.join(WEB_DIR, "favicon.ico"), type: "image/x-icon" }],
  ...SCRIPTS.map((name): [string, Asset] => [`/web/${name}`, { file: path.join(WEB_DIR, name), type: JS }]),
  ["/web/styles.css", { file: path.join(WEB_DIR, "styles.css"), type: "text/css; charset=utf-8" }],
  ["/web/vendor/marked.js", { file: packageFile("marked"), type: JS }],
  ["/web/vendor/purify.js", { file: path.join(path.dirname(packageFile("dompurify")), "purify.es.mjs"), type: JS }],
]);

/**
 * Model output is untrusted and rendered as HTML: scripts only from this origin (never inline), no inline
 * styles either (a sanitised reply can carry `style` attributes), requests only to this origin, and no framing.
 * Trusted Types make any HTML sink other than DOMPurify's own policy throw.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types dompurify",
].join("; ");

/** True for the paths of the chat page and its files, which need no API key (the page asks for it). */
export const isWebPath = (urlPath: string): boolean => ASSETS.has(urlPath);

/** GET / serves the chat page; its scripts, styles and icon come from the fixed list above. */
export function webRoutes(router: Router): void {
  for (const [urlPath, asset] of ASSETS) {
    router.get(urlPath, (ctx) => {
      ctx.type = asset.type;
      ctx.set({
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        // Revalidated on every load, so that a page never runs against a server it was not shipped with.
        "Cache-Control": "no-cache",
      });
      ctx.body = createReadStream(asset.file);
    });
  }
}
