import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/startTestServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ noModel: true });
});
afterAll(async () => server.close());

/** The page's scripts, found by following its imports from index.html (so none can be missing from the server's list). */
async function scriptsOf(html: string): Promise<Set<string>> {
  const found = new Set<string>();
  const pending = [...html.matchAll(/<script[^>]* src="([^"]+)"/g)].map((match) => match[1]!);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (found.has(next)) continue;
    found.add(next);
    const response = await fetch(`${server.url}${next}`);
    expect(response.status, next).toBe(200);
    expect(response.headers.get("content-type"), next).toBe("text/javascript; charset=utf-8");
    const source = await response.text();
    for (const [, specifier] of source.matchAll(/^import [^"]*"([^"]+)";$/gm)) {
      pending.push(new URL(specifier!, `${server.url}${next}`).pathname);
    }
  }
  return found;
}

describe("the chat page's files", () => {
  it("GET / serves the page without a key, with a strict Content-Security-Policy", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const policy = response.headers.get("content-security-policy") ?? "";
    const directives = new Map(policy.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("style-src")).toEqual(["'self'"]);
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy).not.toContain("unsafe-");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");

    const html = await response.text();
    // No inline script and no inline event handler: the policy would block them, and the page needs none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves every script the page imports, Markdown and DOMPurify from their packages, with the same headers", async () => {
    const scripts = await scriptsOf(await (await fetch(`${server.url}/`)).text());
    expect(scripts).toContain("/web/main.js");
    expect(scripts).toContain("/web/vendor/marked.js");
    expect(scripts).toContain("/web/vendor/purify.js");
    for (const path of [...scripts, "/web/styles.css", "/favicon.ico"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      await response.arrayBuffer();
    }
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.headers.get("content-type")).toBe("image/x-icon");
    // An ICO file: reserved 0, type 1.
    expect([...new Uint8Array(await icon.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0, 1, 0]);
  });

  it("serves nothing else: other paths stay behind the key, and no path reaches other files", async () => {
    for (const path of ["/web/", "/web/nope.js", "/web/tsconfig.web.json", "/web/vendor/marked.d.ts", "/index.html"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: server.headers })).status, path).toBe(404);
    }
    for (const path of ["/web/..%2fpackage.json", "/web/%2e%2e/package.json", "/web/vendor/..%2f..%2fpackage.json"]) {
      const response = await fetch(`${server.url}${path}`, { headers: server.headers });
      expect(response.status, path).toBe(404);
    }
    expect((await fetch(`${server.url}/`, { method: "POST", headers: server.headers, body: "{}" })).status).toBe(405);
  });
});
