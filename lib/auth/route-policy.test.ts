import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HTTP_METHODS, ROUTE_POLICY, SERVER_ACTIONS } from "@/lib/auth/route-policy";

const ROOT = path.resolve(import.meta.dirname, "../..");
const METHOD = HTTP_METHODS.join("|");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

// The HTTP methods a route file exports: `export const GET =`, `export async function POST(`,
// `export { handler as GET, POST }`, `export { GET } from "…"`.
function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(new RegExp(`export\\s+(?:const|let|var|(?:async\\s+)?function)\\s+(${METHOD})\\b`, "g"))) found.add(m[1]);
  for (const list of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of list[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name && (HTTP_METHODS as readonly string[]).includes(name)) found.add(name);
    }
  }
  return [...found].sort();
}

// A file is a server action module when "use server" stands alone as a directive.
const USE_SERVER = /^\s*["']use server["'];?\s*$/m;

const routeFiles = sourceFiles("app/api").filter((f) => path.basename(f) === "route.ts");
const routeOf = (file: string) => "/" + path.dirname(path.relative("app", file)).split(path.sep).join("/");
const actual = routeFiles.flatMap((f) => exportedMethods(readFileSync(path.join(ROOT, f), "utf8")).map((m) => `${m} ${routeOf(f)}`)).sort();
const table = Object.entries(ROUTE_POLICY).flatMap(([route, methods]) => Object.keys(methods).map((m) => `${m} ${route}`)).sort();

describe("route policy table", () => {
  it("finds the API's route files and their methods", () => {
    expect(routeFiles.length).toBeGreaterThan(25);
    expect(actual).toContain("POST /api/projects/[slug]/deployments");
    expect(actual).toContain("GET /api/auth/[...nextauth]");
  });

  it("names exactly the routes and methods the route files export (100% coverage, nothing stale)", () => {
    expect({ missingFromTable: actual.filter((k) => !table.includes(k)), notARoute: table.filter((k) => !actual.includes(k)) }).toEqual({
      missingFromTable: [],
      notARoute: [],
    });
  });

  it("lists every server action module and its exports", () => {
    const modules = ["app", "components", "lib"].flatMap(sourceFiles).filter((f) => USE_SERVER.test(readFileSync(path.join(ROOT, f), "utf8")));
    const exported = (f: string) =>
      [...readFileSync(path.join(ROOT, f), "utf8").matchAll(/export\s+(?:const|(?:async\s+)?function)\s+(\w+)/g)].map((m) => m[1]).sort();
    expect(Object.fromEntries(modules.map((f) => [f, exported(f)]))).toEqual(
      Object.fromEntries(Object.entries(SERVER_ACTIONS).map(([f, actions]) => [f, Object.keys(actions).sort()])),
    );
  });
});

describe("exportedMethods", () => {
  it("reads each way a route file exports a handler", () => {
    expect(exportedMethods(`export const GET = authedRoute(() => 1);\nexport const POSTAL = 1;`)).toEqual(["GET"]);
    expect(exportedMethods(`export async function DELETE(req) {}\nexport function PATCH() {}`)).toEqual(["DELETE", "PATCH"]);
    expect(exportedMethods(`const handler = NextAuth(o);\nexport { handler as GET, handler as POST };`)).toEqual(["GET", "POST"]);
    expect(exportedMethods(`export { PUT } from "./other";\nexport { helper };`)).toEqual(["PUT"]);
  });

  it("recognises a server action directive, not a mention of one", () => {
    expect(USE_SERVER.test(`"use server";\nexport async function save() {}`)).toBe(true);
    expect(USE_SERVER.test(`async function save() {\n  'use server'\n}`)).toBe(true);
    expect(USE_SERVER.test(`// Server actions ("use server") are listed here.`)).toBe(false);
  });
});
