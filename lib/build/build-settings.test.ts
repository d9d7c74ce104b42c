import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveBuildSettings, SettingsError } from "@/lib/build/build-settings";
import { NEXT_STANDALONE_PREPARE } from "@/lib/build/detect-app";

const project = { installCommand: null, buildCommand: null, outputDirectory: "dist" };
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function app(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "settings-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

describe("server settings", () => {
  it('"runtime": "server" in slipway.json, with defaults for what it leaves out', async () => {
    const s = await resolveBuildSettings(await app({ "slipway.json": { runtime: "server" } }), project);
    expect(s.runtime).toBe("server");
    expect(s.server).toEqual({ start: "npm start", root: ".", prepare: null, healthCheckPath: null, instances: 1, memoryMb: 512 });
    expect(s.from.runtime).toBe("slipway.json");
  });

  it("takes start, healthCheck, instances and memoryMb, and any of them makes it a server", async () => {
    const s = await resolveBuildSettings(
      await app({ "slipway.json": { start: "node dist/server.js", healthCheck: { path: "/healthz" }, instances: 2, memoryMb: 256 } }),
      project,
    );
    expect(s.runtime).toBe("server");
    expect(s.server).toEqual({ start: "node dist/server.js", root: ".", prepare: null, healthCheckPath: "/healthz", instances: 2, memoryMb: 256 });
  });

  it("detects a server from package.json, and says so", async () => {
    const s = await resolveBuildSettings(
      await app({ "package.json": { scripts: { start: "node index.js" }, dependencies: { express: "^4.21.0" } } }),
      project,
    );
    expect(s).toMatchObject({ runtime: "server", detected: { framework: "Express 4" }, from: { runtime: "detected" } });
    expect(s.server?.start).toBe("npm start");
  });

  it("a Next.js standalone server is bundled from .next/standalone, its static files copied there after the build", async () => {
    const s = await resolveBuildSettings(
      await app({ "package.json": { dependencies: { next: "^16.0.0" }, scripts: { build: "next build" } }, "next.config.mjs": 'export default { output: "standalone" };' }),
      project,
    );
    expect(s.runtime).toBe("server");
    expect(s.server).toMatchObject({ start: "node server.js", root: ".next/standalone", prepare: NEXT_STANDALONE_PREPARE });
    expect(s.detected?.reason).toBe("Next.js 16, standalone output → server");
  });

  it("detects a static build's output directory (Vite: dist; Next.js export: out), and slipway.json overrides it", async () => {
    const next = await resolveBuildSettings(
      await app({ "package.json": { dependencies: { next: "^16.0.0" } }, "next.config.mjs": 'export default { output: "export" };' }),
      project,
    );
    expect(next).toMatchObject({ runtime: "static", outputDirectory: "out", from: { outputDirectory: "detected", runtime: "detected" } });
    const overridden = await resolveBuildSettings(
      await app({ "package.json": { dependencies: { next: "^16.0.0" } }, "next.config.mjs": 'export default { output: "export" };', "slipway.json": { runtime: "static", outputDirectory: "build" } }),
      project,
    );
    expect(overridden).toMatchObject({ runtime: "static", outputDirectory: "build", from: { outputDirectory: "slipway.json", runtime: "slipway.json" } });
  });

  it("a folder with index.html is served as it is only when nothing builds it", async () => {
    const plain = await resolveBuildSettings(await app({ "index.html": "<h1>hi</h1>" }), project);
    expect(plain).toMatchObject({ runtime: "static", outputDirectory: ".", from: { outputDirectory: "detected" } });
    const built = await resolveBuildSettings(await app({ "index.html": "<h1>src</h1>", "slipway.json": { buildCommand: "mkdir -p dist && cp index.html dist/" } }), project);
    expect(built).toMatchObject({ runtime: "static", outputDirectory: "dist", from: { outputDirectory: "default" } });
  });

  it("refuses bad server settings with the field and the reason", async () => {
    const cases: [unknown, string][] = [
      [{ runtime: "docker" }, 'slipway.json: runtime must be "static" or "server".'],
      [{ runtime: "server", instances: 0 }, "slipway.json: instances must be at least 1."],
      [{ runtime: "server", instances: 1.5 }, "slipway.json: instances must be a whole number."],
      [{ runtime: "server", memoryMb: 1_000_000 }, "slipway.json: memoryMb must be at most 8192."],
      [{ runtime: "server", healthCheck: { path: "healthz" } }, 'slipway.json: healthCheck.path must be a path starting with "/".'],
      [{ runtime: "server", healthCheck: "/healthz" }, 'slipway.json: healthCheck must be an object like { "path": "/healthz" }.'],
      [{ runtime: "static", start: "node x.js" }, 'slipway.json: start, healthCheck, instances and memoryMb apply only to "runtime": "server".'],
    ];
    for (const [file, message] of cases) {
      const dir = await app({ "slipway.json": file });
      await expect(resolveBuildSettings(dir, project)).rejects.toThrow(new SettingsError(message));
    }
  });
});
