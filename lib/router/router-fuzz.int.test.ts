import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { startTestRouter } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

// Sends bytes exactly as given (no client-side normalising) and reads the reply.
function raw(port: number, requestText: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return reject(new Error(`no status line in reply to ${JSON.stringify(requestText.slice(0, 200))}`));
      resolve({ status: Number(m[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    // Not end(): a client that half-closes early gets no answer from node:http.
    socket.write(Buffer.from(requestText, "latin1"));
  });
}

// A small deterministic generator, so a failure can be replayed.
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOTS = ["..", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "%c0%ae%c0%ae", "..%00", "..%2f", "..%5c", "...."];
const SEPS = ["/", "%2f", "%2F", "%5c", "\\", "//", "/./", "%252f", ";/"];
const NAMES = ["etc/passwd", "secret.txt", "store", "sentinel", "index.html", "a/b.txt", "%00", "x%00.html", "proc/self/environ", "..;", ".env"];

function generatePaths(count: number, rnd: () => number, blobs: string[]): string[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out = new Set<string>([
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fsecret.txt",
    "/%00",
    "/index.html%00.png",
    "//etc/passwd",
    `/${"a".repeat(3000)}`,
    `/${"../".repeat(500)}etc/passwd`,
    "/C:/Windows/win.ini",
    "/%5c..%5c..%5csecret.txt",
  ]);
  for (const blob of blobs) out.add(`/../store/${blob.slice(0, 2)}/${blob}`).add(`/${blob}`);
  while (out.size < count) {
    let p = "";
    const parts = 1 + Math.floor(rnd() * 6);
    for (let i = 0; i < parts; i++) {
      const r = rnd();
      p += pick(SEPS) + (r < 0.5 ? pick(DOTS) : r < 0.85 ? pick(NAMES) : randomBytes(3).toString("hex"));
    }
    if (!p.startsWith("/") && rnd() < 0.8) p = `/${p}`;
    out.add(p);
  }
  return [...out];
}

describe("router against hostile paths and hosts", () => {
  it("never serves anything outside the deployment's bundle: 1,500 generated paths, 400 hosts", async () => {
    const sentinel = `SENTINEL-${randomBytes(8).toString("hex")}`;
    await writeFile(path.join(dataDir, "secret.txt"), sentinel);
    await writeFile(path.join(dataDir, "sentinel"), sentinel);

    const { ctx, project } = await seedArchiveProject(db);
    const appDir = await makeApp({
      "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/a && echo INDEX > dist/index.html && echo B > dist/a/b.txt" }),
    });
    const d = await deployDir(ctx, project.slug, appDir);
    expect(await runBuild(d.id, deps())).toBe("live");
    // Another project's blob is in the same store; it must not be reachable through this host.
    const other = await seedArchiveProject(db);
    const otherDir = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${sentinel} > dist/index.html` }) });
    const od = await deployDir(other.ctx, other.project.slug, otherDir);
    expect(await runBuild(od.id, deps())).toBe("live");
    const blobs = (await db.manifestEntry.findMany({ where: { bundle: { deployments: { some: { id: od.id } } } } })).map((e) => e.sha256);

    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const allowed = new Set(["INDEX\n", "B\n"]);
    const paths = generatePaths(1500, prng(42), blobs);
    const statuses: Record<number, number> = {};
    for (const p of paths) {
      const reply = await raw(router.port, `GET ${p} HTTP/1.1\r\nHost: ${project.slug}.localhost\r\nConnection: close\r\n\r\n`);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      expect(reply.body, p).not.toContain(sentinel);
      expect(reply.body, p).not.toContain("root:");
      expect([200, 400, 404, 414], p).toContain(reply.status);
      if (reply.status === 200) expect(allowed.has(reply.body), `${p} → ${JSON.stringify(reply.body.slice(0, 80))}`).toBe(true);
    }
    expect(paths.length).toBeGreaterThanOrEqual(1000);
    expect((statuses[400] ?? 0) + (statuses[404] ?? 0)).toBeGreaterThan(paths.length / 2);

    const rnd = prng(7);
    const hostChars = "abcxyz0129-._:@[]%/\\ \t*";
    for (let i = 0; i < 400; i++) {
      const len = 1 + Math.floor(rnd() * (i % 50 === 0 ? 400 : 40));
      let host = "";
      for (let j = 0; j < len; j++) host += hostChars[Math.floor(rnd() * hostChars.length)];
      const reply = await raw(router.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect([400, 404], JSON.stringify(host)).toContain(reply.status);
      expect(reply.body).not.toContain(sentinel);
    }
  });
});
