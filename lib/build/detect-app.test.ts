import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AppFiles, detectApp, detectAppInDir, NEXT_STANDALONE_PREPARE } from "@/lib/build/detect-app";

type Pkg = NonNullable<AppFiles["packageJson"]>;

// An app in memory: `configs` are the files read() returns, `built` the extra paths exists() sees.
function app(pkg: Pkg | null, configs: Record<string, string> = {}, built: string[] = []): AppFiles {
  return {
    packageJson: pkg,
    read: (name) => (Object.hasOwn(configs, name) ? configs[name] : null),
    exists: (rel) => Object.hasOwn(configs, rel) || built.includes(rel),
  };
}

describe("detectApp: Next.js", () => {
  const pkg = { dependencies: { next: "^16.0.1", react: "^19.0.0" }, scripts: { build: "next build", start: "next start" } };

  it("a static export (double quotes) is served from out/", () => {
    expect(detectApp(app(pkg, { "next.config.js": 'module.exports = {\n  output: "export",\n};\n' }))).toEqual({
      runtime: "static",
      framework: "Next.js 16",
      reason: "Next.js 16, static export → static",
      outputDirectory: "out",
    });
  });

  it("finds the export in next.config.mjs with single quotes and no spaces", () => {
    expect(detectApp(app(pkg, { "next.config.mjs": "export default {output:'export'}" }))).toEqual({
      runtime: "static",
      framework: "Next.js 16",
      reason: "Next.js 16, static export → static",
      outputDirectory: "out",
    });
  });

  it("standalone output in next.config.ts runs the standalone server", () => {
    const config = 'import type { NextConfig } from "next";\nconst nextConfig: NextConfig = { output: "standalone" };\nexport default nextConfig;\n';
    expect(detectApp(app(pkg, { "next.config.ts": config }))).toEqual({
      runtime: "server",
      framework: "Next.js 16",
      reason: "Next.js 16, standalone output → server",
      start: "node server.js",
      root: ".next/standalone",
      prepare: NEXT_STANDALONE_PREPARE,
    });
  });

  it("after the build, .next/standalone/server.js means standalone even when the config computes output", () => {
    const config = "module.exports = { output: process.env.NEXT_OUTPUT };";
    expect(detectApp(app(pkg, { "next.config.cjs": config }))?.start).toBe("npm start");
    expect(detectApp(app(pkg, { "next.config.cjs": config }, [".next/standalone/server.js"]))).toEqual({
      runtime: "server",
      framework: "Next.js 16",
      reason: "Next.js 16, standalone output → server",
      start: "node server.js",
      root: ".next/standalone",
      prepare: NEXT_STANDALONE_PREPARE,
    });
  });

  it("without an output setting it is server rendered with npm start", () => {
    expect(detectApp(app(pkg))).toEqual({
      runtime: "server",
      framework: "Next.js 16",
      reason: "Next.js 16, server rendering → server",
      start: "npm start",
    });
  });

  it("ignores a commented-out output line and other keys ending in output", () => {
    const config = '/** @type {import("next").NextConfig} */\nmodule.exports = {\n  // output: "export",\n  image_output: "export",\n  "legacy-output": "export",\n};\n';
    expect(detectApp(app(pkg, { "next.config.js": config }))).toEqual({
      runtime: "server",
      framework: "Next.js 16",
      reason: "Next.js 16, server rendering → server",
      start: "npm start",
    });
  });
});

describe("detectApp: versions", () => {
  it.each([
    ["^16.0.1", "Next.js 16"],
    ["~5.2", "Next.js 5"],
    [">=14.1.0", "Next.js 14"],
    ["15.x", "Next.js 15"],
    ["16.0.0-canary.3", "Next.js 16"],
    ["latest", "Next.js"],
    ["*", "Next.js"],
    ["workspace:^15", "Next.js"],
    ["", "Next.js"],
  ])("%j gives %j", (range, framework) => {
    expect(detectApp(app({ dependencies: { next: range } }))?.framework).toBe(framework);
  });

  it("has no number when the dependency is only in devDependencies without a version, and prefers dependencies", () => {
    expect(detectApp(app({ devDependencies: { vite: "latest" } }))?.framework).toBe("Vite");
    expect(detectApp(app({ dependencies: { vite: "^6.1.0" }, devDependencies: { vite: "^5.0.0" } }))?.framework).toBe("Vite 6");
  });
});

describe("detectApp: Astro", () => {
  it("is static in dist/ without the Node adapter", () => {
    expect(detectApp(app({ dependencies: { astro: "^5.1.0" } }))).toEqual({
      runtime: "static",
      framework: "Astro 5",
      reason: "Astro 5, no @astrojs/node adapter → static",
      outputDirectory: "dist",
    });
  });

  it("runs dist/server/entry.mjs with @astrojs/node", () => {
    expect(detectApp(app({ dependencies: { astro: "^5.1.0", "@astrojs/node": "^9.0.0", vite: "^6.0.0" } }))).toEqual({
      runtime: "server",
      framework: "Astro 5",
      reason: "Astro 5, @astrojs/node adapter → server",
      start: "node dist/server/entry.mjs",
    });
  });
});

describe("detectApp: SvelteKit", () => {
  const kit = { "@sveltejs/kit": "^2.5.0", vite: "^6.0.0" };

  it("adapter-node runs node build", () => {
    expect(detectApp(app({ devDependencies: { ...kit, "@sveltejs/adapter-node": "^5.0.0" } }))).toEqual({
      runtime: "server",
      framework: "SvelteKit 2",
      reason: "SvelteKit 2, adapter-node → server",
      start: "node build",
    });
  });

  it("adapter-static is served from build/", () => {
    expect(detectApp(app({ devDependencies: { ...kit, "@sveltejs/adapter-static": "^3.0.0" } }))).toEqual({
      runtime: "static",
      framework: "SvelteKit 2",
      reason: "SvelteKit 2, adapter-static → static",
      outputDirectory: "build",
    });
  });

  it("another adapter is taken as static, and the reason names it", () => {
    expect(detectApp(app({ devDependencies: { ...kit, "@sveltejs/adapter-auto": "^3.0.0" } }))).toEqual({
      runtime: "static",
      framework: "SvelteKit 2",
      reason: "SvelteKit 2, adapter-auto is not adapter-node → static",
      outputDirectory: "build",
    });
  });

  it("no adapter at all is said so", () => {
    expect(detectApp(app({ devDependencies: { "@sveltejs/kit": "next" } }))).toEqual({
      runtime: "static",
      framework: "SvelteKit",
      reason: "SvelteKit, no adapter is not adapter-node → static",
      outputDirectory: "build",
    });
  });
});

describe("detectApp: Nuxt", () => {
  const deps = { nuxt: "^3.13.0" };

  it("is server rendered by default", () => {
    expect(detectApp(app({ dependencies: deps, scripts: { build: "nuxt build", generate: "nuxt generate" } }))).toEqual({
      runtime: "server",
      framework: "Nuxt 3",
      reason: "Nuxt 3, server rendering → server",
      start: "node .output/server/index.mjs",
    });
  });

  it("is static when the build script runs nuxt generate", () => {
    for (const build of ["nuxt generate", "nuxi generate", "npm run generate"]) {
      expect(detectApp(app({ dependencies: deps, scripts: { build } }))).toEqual({
        runtime: "static",
        framework: "Nuxt 3",
        reason: "Nuxt 3, build runs nuxt generate → static",
        outputDirectory: ".output/public",
      });
    }
  });

  it("is static with ssr: false at the top of the config", () => {
    const config = "export default defineNuxtConfig({\n  ssr: false,\n  devtools: { enabled: true },\n});\n";
    expect(detectApp(app({ dependencies: deps }, { "nuxt.config.ts": config }))).toEqual({
      runtime: "static",
      framework: "Nuxt 3",
      reason: "Nuxt 3, ssr: false → static",
      outputDirectory: ".output/public",
    });
  });

  it("stays a server when ssr: false is only in routeRules", () => {
    const config = "export default defineNuxtConfig({\n  routeRules: { '/admin/**': { ssr: false } },\n});\n";
    expect(detectApp(app({ dependencies: deps }, { "nuxt.config.ts": config }))?.runtime).toBe("server");
  });

  it("after the build, the output decides: a server build wins over ssr: false, public files alone are static", () => {
    const ssrOff = { "nuxt.config.ts": "export default defineNuxtConfig({ ssr: false })" };
    expect(detectApp(app({ dependencies: deps }, ssrOff, [".output/server/index.mjs", ".output/public/index.html"]))).toEqual({
      runtime: "server",
      framework: "Nuxt 3",
      reason: "Nuxt 3, server rendering → server",
      start: "node .output/server/index.mjs",
    });
    expect(detectApp(app({ dependencies: deps }, {}, [".output/public/index.html"]))).toEqual({
      runtime: "static",
      framework: "Nuxt 3",
      reason: "Nuxt 3, prerendered output → static",
      outputDirectory: ".output/public",
    });
  });
});

describe("detectApp: Remix and React Router", () => {
  it("Remix runs npm start", () => {
    expect(detectApp(app({ dependencies: { "@remix-run/node": "^2.15.0", "@remix-run/serve": "^2.15.0" }, devDependencies: { vite: "^5.0.0" } }))).toEqual({
      runtime: "server",
      framework: "Remix 2",
      reason: "Remix 2, server rendering → server",
      start: "npm start",
    });
  });

  const template = { dependencies: { "@react-router/node": "^7.1.0", "@react-router/serve": "^7.1.0", "react-router": "^7.1.0" }, devDependencies: { "@react-router/dev": "^7.1.0", vite: "^6.0.0" } };

  it("React Router 7 with @react-router/serve runs npm start", () => {
    expect(detectApp(app(template, { "react-router.config.ts": "export default { ssr: true } satisfies Config;" }))).toEqual({
      runtime: "server",
      framework: "React Router 7",
      reason: "React Router 7, server rendering → server",
      start: "npm start",
    });
  });

  it("React Router 7 with ssr: false is served from build/client, even with the template's serve package", () => {
    const expected = { runtime: "static", framework: "React Router 7", reason: "React Router 7, ssr: false → static", outputDirectory: "build/client" };
    expect(detectApp(app(template, { "react-router.config.ts": "export default {\n  ssr: false,\n} satisfies Config;\n" }))).toEqual(expected);
    const devOnly = { devDependencies: { "@react-router/dev": "^7.1.0", vite: "^6.0.0" } };
    expect(detectApp(app(devOnly, { "react-router.config.js": "export default { 'ssr': false }" }))).toEqual(expected);
  });

  it("React Router with server rendering but no Node packages is not guessed as Vite", () => {
    expect(detectApp(app({ dependencies: { "react-router": "^7.1.0" }, devDependencies: { "@react-router/dev": "^7.1.0", vite: "^6.0.0" } }))).toBeNull();
  });
});

describe("detectApp: Vite, Node servers, static files", () => {
  it("Vite alone is a single-page app in dist/", () => {
    expect(detectApp(app({ devDependencies: { vite: "^6.2.0" }, scripts: { build: "vite build" } }))).toEqual({
      runtime: "static",
      framework: "Vite 6",
      reason: "Vite 6, single-page app → static",
      outputDirectory: "dist",
    });
  });

  it("frameworks come before Vite, and Vite before a start script", () => {
    expect(detectApp(app({ devDependencies: { vite: "^6.0.0", astro: "^5.0.0" } }))?.framework).toBe("Astro 5");
    expect(detectApp(app({ dependencies: { express: "^4.21.0" }, devDependencies: { vite: "^6.0.0" }, scripts: { start: "node server.js" } }))?.framework).toBe("Vite 6");
  });

  it("a start script with Express is an Express server", () => {
    expect(detectApp(app({ dependencies: { express: "^4.21.2" }, scripts: { start: "node server.js" } }))).toEqual({
      runtime: "server",
      framework: "Express 4",
      reason: "Express 4, package.json has a start script → server",
      start: "npm start",
    });
  });

  it("names the other server libraries, without @hono/node-server's own version", () => {
    const start = { start: "node index.js" };
    expect(detectApp(app({ dependencies: { fastify: "^5.0.0" }, scripts: start }))?.framework).toBe("Fastify 5");
    expect(detectApp(app({ dependencies: { koa: "^2.15.0" }, scripts: start }))?.framework).toBe("Koa 2");
    expect(detectApp(app({ dependencies: { hono: "^4.6.0", "@hono/node-server": "^1.13.0" }, scripts: start }))?.framework).toBe("Hono 4");
    expect(detectApp(app({ dependencies: { "@hono/node-server": "^1.13.0" }, scripts: start }))?.framework).toBe("Hono");
  });

  it("a start script without a known library is a Node.js server", () => {
    expect(detectApp(app({ dependencies: { pg: "^8.0.0" }, scripts: { start: "node main.js" } }))).toEqual({
      runtime: "server",
      framework: "Node.js",
      reason: "package.json has a start script → server",
      start: "npm start",
    });
  });

  it("a server library without a start script is not guessed", () => {
    expect(detectApp(app({ dependencies: { express: "^4.21.0" }, scripts: { build: "tsc" } }))).toBeNull();
  });

  it("index.html without package.json is static files at the root", () => {
    expect(detectApp(app(null, { "index.html": "<h1>hi</h1>" }))).toEqual({
      runtime: "static",
      framework: "Static files",
      reason: "index.html and no package.json → static",
      outputDirectory: ".",
    });
  });

  it("is null when nothing matches", () => {
    expect(detectApp(app(null))).toBeNull();
    expect(detectApp(app({ scripts: { build: "make" } }, { "index.html": "<h1>hi</h1>" }))).toBeNull();
  });
});

describe("detectAppInDir", () => {
  let tmp: string;
  let dir: string;
  let outside: string;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-detect-"));
    dir = path.join(tmp, "app");
    outside = path.join(tmp, "outside");
    await mkdir(dir);
    await mkdir(outside);
  });

  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function write(rel: string, content: string) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }

  const staticFiles = { runtime: "static", framework: "Static files", reason: "index.html and no package.json → static", outputDirectory: "." };
  const nextServer = { runtime: "server", framework: "Next.js 15", reason: "Next.js 15, server rendering → server", start: "npm start" };

  it("reads package.json, the config and the build output from disk", async () => {
    await write("package.json", JSON.stringify({ dependencies: { next: "15.1.0" } }));
    expect(await detectAppInDir(dir)).toEqual(nextServer);
    await write(".next/standalone/server.js", "");
    expect(await detectAppInDir(dir)).toEqual({ ...nextServer, reason: "Next.js 15, standalone output → server", start: "node server.js", root: ".next/standalone", prepare: NEXT_STANDALONE_PREPARE });
    await write("next.config.mjs", "export default { output: 'export' };");
    expect(await detectAppInDir(dir)).toEqual({ runtime: "static", framework: "Next.js 15", reason: "Next.js 15, static export → static", outputDirectory: "out" });
  });

  it("treats a broken package.json as absent, without throwing", async () => {
    await write("package.json", '{ "scripts": { "start": ');
    await write("index.html", "<h1>hi</h1>");
    expect(await detectAppInDir(dir)).toEqual(staticFiles);
  });

  it("accepts a byte order mark and drops values that are not strings", async () => {
    await write("package.json", `\uFEFF${JSON.stringify({ dependencies: { express: 4, pg: "^8.0.0" }, scripts: { start: "node a.js", build: ["tsc"] } })}`);
    expect(await detectAppInDir(dir)).toEqual({ runtime: "server", framework: "Node.js", reason: "package.json has a start script → server", start: "npm start" });
  });

  it("ignores a package.json that links outside the app", async () => {
    await writeFile(path.join(outside, "package.json"), JSON.stringify({ scripts: { start: "node x.js" } }));
    await symlink(path.join(outside, "package.json"), path.join(dir, "package.json"));
    await write("index.html", "<h1>hi</h1>");
    expect(await detectAppInDir(dir)).toEqual(staticFiles);
  });

  it("ignores build output under a directory that links outside the app", async () => {
    await write("package.json", JSON.stringify({ dependencies: { next: "^15.0.0" } }));
    await mkdir(path.join(outside, "standalone"));
    await writeFile(path.join(outside, "standalone/server.js"), "");
    await symlink("../outside", path.join(dir, ".next"));
    expect(await detectAppInDir(dir)).toEqual(nextServer);
  });

  it("follows a link that stays inside the app", async () => {
    await write("package.json", JSON.stringify({ dependencies: { next: "^15.0.0" } }));
    await write("config/next.config.js", 'module.exports = { output: "export" };');
    await symlink("config/next.config.js", path.join(dir, "next.config.js"));
    expect((await detectAppInDir(dir))?.outputDirectory).toBe("out");
  });

  it("ignores files over 64 KB and paths that are not regular files", async () => {
    await write("package.json", JSON.stringify({ dependencies: { next: "^15.0.0" } }));
    await write("next.config.js", `module.exports = { output: "export" };\n${"//".padEnd(64 * 1024, "x")}\n`);
    await mkdir(path.join(dir, "next.config.mjs"));
    expect(await detectAppInDir(dir)).toEqual(nextServer);

    await rm(path.join(dir, "package.json"));
    await mkdir(path.join(dir, "package.json"));
    await write("index.html", "");
    expect(await detectAppInDir(dir)).toEqual(staticFiles);
  });

  it.skipIf(process.platform === "win32")("does not block on a FIFO in place of a config file", async () => {
    await write("package.json", JSON.stringify({ dependencies: { next: "^15.0.0" } }));
    execFileSync("mkfifo", [path.join(dir, "next.config.js")]);
    expect(await detectAppInDir(dir)).toEqual(nextServer);
  });
});
