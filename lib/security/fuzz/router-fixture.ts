// The router side of the fuzz suites: a real router over two live projects
// built from real bundles, a sentinel next to the store it serves from, and a
// client that sends request bytes exactly as given.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, expect, inject } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { raw, type RawReply, startTestRouter } from "@/lib/router/testing";
import { plantSentinel, type Sentinel } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

export const get = (port: number, urlPath: string, host: string) => raw(port, `GET ${urlPath} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

type LiveProject = { slug: string; deploymentId: string; files: Map<string, string> };

// Project A serves /index.html and /a/b.txt; project B serves a page of its
// own. Each file's text names its project, so a reply shows whose it is.
export function routerFixture() {
  const db = testDb();
  const dataDir = testDataDir();
  const f = {} as { port: number; a: LiveProject; b: LiveProject; sentinels: Sentinel[]; markers: string[] };
  beforeAll(async () => {
    // Next to the store (DATA_DIR/store), where a path that climbs out would land first.
    const sentinels = [await plantSentinel(path.join(dataDir, "secret.txt")), await plantSentinel(path.join(dataDir, "sentinel"))];
    const deps = testBuildDeps(db, inject("databaseUrl"), dataDir);
    const live = async (files: Record<string, string>): Promise<LiveProject> => {
      const { ctx, project } = await seedArchiveProject(db);
      const writes = Object.entries(files).map(([name, text]) => `mkdir -p dist/${path.dirname(name)} && printf %s '${text}' > dist/${name}`);
      const appDir = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: writes.join(" && ") }) });
      const d = await deployDir(ctx, project.slug, appDir);
      expect(await runBuild(d.id, deps)).toBe("live");
      return { slug: project.slug, deploymentId: d.id, files: new Map(Object.entries(files)) };
    };
    const a = await live({ "index.html": "PROJECT-A index", "a/b.txt": "PROJECT-A b" });
    const b = await live({ "index.html": "PROJECT-B index" });
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    // The sentinels' marker in a file of the store itself: found in a reply, it would mean a read outside the bundle.
    await writeFile(path.join(dataDir, "store", "sentinel"), sentinels[0].marker);
    Object.assign(f, { port: router.port, a, b, sentinels, markers: sentinels.map((s) => s.marker) });
  }, 120_000);
  return f;
}

// Every reply: never a 5xx (a 505 for a request line in no HTTP version is
// the parser's refusal, not a failure), never the sentinels' marker, a refusal
// with a message: a page, or, for bytes that are not HTTP (refused by Bun's
// parser before the router sees them), the status line's reason phrase.
export function expectSafeReply(reply: RawReply, markers: string[], what: string) {
  if (reply.status !== 505) expect(reply.status, `${what} → ${reply.body.slice(0, 200)}`).toBeLessThan(500);
  for (const marker of markers) expect(reply.body.includes(marker), what).toBe(false);
  expect(reply.body.includes("root:x:"), what).toBe(false);
  if (reply.status >= 400) expect(reply.body.trim() || reply.reason, `${what}: a ${reply.status} without a message`).not.toBe("");
}
