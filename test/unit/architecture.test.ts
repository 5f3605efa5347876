import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settings } from "../../src/config/settings.js";
import { PROJECT_ROOT } from "../support/paths.js";

const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "ARCHITECTURE.md"), "utf8");

describe("docs/ARCHITECTURE.md matches the code", () => {
  it("names only files that exist", () => {
    const named = [...new Set([...doc.matchAll(/`((?:src|scripts|test)\/[^`\s]+\.ts)`/g)].map((match) => match[1]!))];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((file) => !fs.existsSync(path.join(PROJECT_ROOT, file)))).toEqual([]);
  });

  it("says where every setting is used", () => {
    const table = doc.slice(doc.indexOf("## Where each setting is read"), doc.indexOf("## Lifetimes"));
    const missing = Object.values(settings)
      .map((spec) => spec.name)
      .filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it("lists every layer of src/", () => {
    const folders = fs
      .readdirSync(path.join(PROJECT_ROOT, "src"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !doc.includes(`| \`src/${folder}\` |`))).toEqual([]);
  });
});
