import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";

// Zero-config detection of what an app is, from its files: which framework,
// and whether it is served as static files or runs as a Node process. It runs
// before the build (package.json and config files) and again after it, when
// build output such as .next/standalone/server.js can settle what the config
// alone cannot (a value computed in next.config.js, say).

export type Detected = {
  /** "static": files served by the router; "server": a long-running Node process started with `start`. */
  runtime: "static" | "server";
  /** Human name with major version when known, e.g. "Next.js 16", "Vite", "Astro 5", "SvelteKit", "Nuxt 3", "Remix", "React Router 7", "Express", "Node.js", "Static files". */
  framework: string;
  /** One short sentence for the deployment page, e.g. "Next.js 16, standalone output → server". */
  reason: string;
  /** For static: the output directory relative to the app (e.g. "out", "dist", "build", ".output/public", "."). */
  outputDirectory?: string;
  /** For server: the command that starts it (in `root`), e.g. "node server.js" or "npm start" or "node build/index.js" or "node .output/server/index.mjs". */
  start?: string;
  /** For server: the directory that is the server's bundle, when not the whole app (Next.js standalone: ".next/standalone"). */
  root?: string;
  /** For server: a fixed command run in the sandbox after the build to complete `root` (Next.js standalone: its static files). */
  prepare?: string;
};

// Next.js's standalone server does not include the static files or public/; they are copied next to it.
export const NEXT_STANDALONE_PREPARE =
  "mkdir -p .next/standalone/.next && rm -rf .next/standalone/.next/static && cp -R .next/static .next/standalone/.next/static && if [ -d public ]; then rm -rf .next/standalone/public && cp -R public .next/standalone/public; fi";

export type AppFiles = {
  /** package.json parsed, or null when absent. */
  packageJson: { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; scripts?: Record<string, string> } | null;
  /** Text of a config file by its name at the app root, or null if absent, e.g. read("next.config.js"). */
  read(name: string): string | null;
  /** Whether a path relative to the app exists (after the build, e.g. ".next/standalone/server.js"). */
  exists(relPath: string): boolean;
};

type Facts = {
  files: AppFiles;
  /** dependencies and devDependencies together: build tools such as vite and astro usually sit in the latter. */
  deps: ReadonlyMap<string, string>;
};

// A rule claims an app by its dependencies or files, then decides what it is.
// The first rule that claims the app decides, so frameworks come before Vite
// (most of them build with it) and Vite before plain Node. A rule may decide
// null: the app is recognised but is not something Slipway can serve.
type Rule = { claims(facts: Facts): boolean; decide(facts: Facts): Detected | null };

const NEXT_CONFIGS = ["next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"];
const NUXT_CONFIGS = ["nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs"];
const REACT_ROUTER_CONFIGS = ["react-router.config.ts", "react-router.config.js", "react-router.config.mjs"];

const nextJs: Rule = {
  claims: (f) => f.deps.has("next"),
  decide: (f) => {
    const name = label(f, "Next.js", "next");
    const config = readFirst(f.files, NEXT_CONFIGS);
    if (config !== null && hasSetting(config, "output", quoted("export"))) {
      return staticSite(name, `${name}, static export → static`, "out");
    }
    // After the build the standalone server's presence settles it, even when the config computes `output`.
    if ((config !== null && hasSetting(config, "output", quoted("standalone"))) || f.files.exists(".next/standalone/server.js")) {
      return { ...server(name, `${name}, standalone output → server`, "node server.js"), root: ".next/standalone", prepare: NEXT_STANDALONE_PREPARE };
    }
    return server(name, `${name}, server rendering → server`, "npm start");
  },
};

const astro: Rule = {
  claims: (f) => f.deps.has("astro"),
  decide: (f) => {
    const name = label(f, "Astro", "astro");
    // Other adapters (Vercel, Netlify, Cloudflare) build for those hosts; what Slipway can use of them is the static part.
    if ([...f.deps.keys()].some((dep) => dep.startsWith("@astrojs/node"))) {
      return server(name, `${name}, @astrojs/node adapter → server`, "node dist/server/entry.mjs");
    }
    return staticSite(name, `${name}, no @astrojs/node adapter → static`, "dist");
  },
};

const svelteKit: Rule = {
  claims: (f) => f.deps.has("@sveltejs/kit"),
  decide: (f) => {
    const name = label(f, "SvelteKit", "@sveltejs/kit");
    if (f.deps.has("@sveltejs/adapter-node")) return server(name, `${name}, adapter-node → server`, "node build");
    if (f.deps.has("@sveltejs/adapter-static")) return staticSite(name, `${name}, adapter-static → static`, "build");
    // Only adapter-node gives a server Slipway can start. Anything else (adapter-auto included) is taken
    // as a static build in build/; the reason names the adapter so a wrong guess is easy to spot.
    const adapter = [...f.deps.keys()].find((dep) => dep.startsWith("@sveltejs/adapter-"))?.slice("@sveltejs/".length);
    return staticSite(name, `${name}, ${adapter ?? "no adapter"} is not adapter-node → static`, "build");
  },
};

const nuxt: Rule = {
  claims: (f) => f.deps.has("nuxt"),
  decide: (f) => {
    const name = label(f, "Nuxt", "nuxt");
    // After the build, the output says which it was: `nuxt build` writes a server, `nuxt generate` only public files.
    if (f.files.exists(".output/server/index.mjs")) {
      return server(name, `${name}, server rendering → server`, "node .output/server/index.mjs");
    }
    if (f.files.exists(".output/public/index.html")) return staticSite(name, `${name}, prerendered output → static`, ".output/public");
    if (/\bnux[ti]\s+generate\b|\brun\s+generate\b/.test(script(f, "build") ?? "")) {
      return staticSite(name, `${name}, build runs nuxt generate → static`, ".output/public");
    }
    // Top level only: `ssr: false` under routeRules turns off rendering for some routes, not the app.
    const config = readFirst(f.files, NUXT_CONFIGS);
    if (config !== null && hasSetting(config, "ssr", "false\\b", { topLevel: true })) {
      return staticSite(name, `${name}, ssr: false → static`, ".output/public");
    }
    return server(name, `${name}, server rendering → server`, "node .output/server/index.mjs");
  },
};

const remix: Rule = {
  claims: (f) => f.deps.has("@remix-run/node") || f.deps.has("@remix-run/serve"),
  decide: (f) => {
    const name = label(f, "Remix", f.deps.has("@remix-run/node") ? "@remix-run/node" : "@remix-run/serve");
    return server(name, `${name}, server rendering → server`, "npm start");
  },
};

const reactRouter: Rule = {
  claims: (f) => ["@react-router/node", "@react-router/serve", "@react-router/dev"].some((dep) => f.deps.has(dep)),
  decide: (f) => {
    const name = label(f, "React Router", ["react-router", "@react-router/node", "@react-router/serve", "@react-router/dev"].find((dep) => f.deps.has(dep)) ?? "react-router");
    // Checked before the server packages: the default template keeps @react-router/serve even in
    // SPA mode, where the build writes no server for `npm start` to run.
    const config = readFirst(f.files, REACT_ROUTER_CONFIGS);
    if (config !== null && hasSetting(config, "ssr", "false\\b", { topLevel: true })) {
      return staticSite(name, `${name}, ssr: false → static`, "build/client");
    }
    if (f.deps.has("@react-router/node") || f.deps.has("@react-router/serve")) {
      return server(name, `${name}, server rendering → server`, "npm start");
    }
    // Server rendering without the Node packages targets another runtime (Cloudflare, say). Claimed
    // here so that it does not fall through to Vite and get served from a dist/ that is never written.
    return null;
  },
};

const vite: Rule = {
  claims: (f) => f.deps.has("vite"),
  decide: (f) => {
    const name = label(f, "Vite", "vite");
    return staticSite(name, `${name}, single-page app → static`, "dist");
  },
};

// In order of preference when an app has several. @hono/node-server's version is its own, not Hono's.
const SERVER_LIBRARIES: { dep: string; name: string; versioned: boolean }[] = [
  { dep: "express", name: "Express", versioned: true },
  { dep: "fastify", name: "Fastify", versioned: true },
  { dep: "hono", name: "Hono", versioned: true },
  { dep: "koa", name: "Koa", versioned: true },
  { dep: "@hono/node-server", name: "Hono", versioned: false },
];

const nodeServer: Rule = {
  claims: (f) => script(f, "start") !== undefined,
  decide: (f) => {
    const library = SERVER_LIBRARIES.find((lib) => f.deps.has(lib.dep));
    if (!library) return server("Node.js", "package.json has a start script → server", "npm start");
    const name = library.versioned ? label(f, library.name, library.dep) : library.name;
    return server(name, `${name}, package.json has a start script → server`, "npm start");
  },
};

const staticFiles: Rule = {
  claims: (f) => f.files.packageJson === null && f.files.exists("index.html"),
  decide: () => staticSite("Static files", "index.html and no package.json → static", "."),
};

const RULES: Rule[] = [nextJs, astro, svelteKit, nuxt, remix, reactRouter, vite, nodeServer, staticFiles];

export function detectApp(files: AppFiles): Detected | null {
  const pkg = files.packageJson;
  // Later entries win: a package listed in both is what `dependencies` says.
  const deps = new Map<string, string>();
  for (const list of [pkg?.devDependencies, pkg?.dependencies]) {
    for (const [dep, range] of Object.entries(list ?? {})) deps.set(dep, range);
  }
  const facts: Facts = { files, deps };
  const rule = RULES.find((r) => r.claims(facts));
  return rule ? rule.decide(facts) : null;
}

function server(framework: string, reason: string, start: string): Detected {
  return { runtime: "server", framework, reason, start };
}

function staticSite(framework: string, reason: string, outputDirectory: string): Detected {
  return { runtime: "static", framework, reason, outputDirectory };
}

/** "Next.js 16" from "^16.0.1"; just "Next.js" when the range names no version ("latest", "*", "workspace:..."). */
function label(f: Facts, name: string, dep: string): string {
  const major = majorVersion(f.deps.get(dep));
  return major === null ? name : `${name} ${major}`;
}

function majorVersion(range: unknown): number | null {
  if (typeof range !== "string") return null;
  const m = /^\s*(?:[\^~]|[<>]=?|=)?\s*v?(\d+)(?=$|[.\s-])/.exec(range);
  return m ? Number(m[1]) : null;
}

function script(f: Facts, name: string): string | undefined {
  const scripts = f.files.packageJson?.scripts;
  if (!scripts || !Object.hasOwn(scripts, name)) return undefined;
  const value: unknown = scripts[name];
  return typeof value === "string" ? value : undefined;
}

function readFirst(files: AppFiles, names: string[]): string | null {
  for (const name of names) {
    const text = files.read(name);
    if (text !== null) return text;
  }
  return null;
}

const quoted = (value: string) => `["'\`]${value}["'\`]`;

// Config files are code, not data, so this looks for a literal `key: value`;
// the key may be quoted but not be the tail of a longer name (`no-ssr`).
// Lines commented out are skipped; a value computed at build time is not seen.
// `topLevel` keeps only matches directly inside the outermost braces, by
// counting the braces before the match.
function hasSetting(source: string, key: string, value: string, { topLevel = false } = {}): boolean {
  const code = source.replace(/^\s*\/\/.*$/gm, "").replace(/^\s*\/\*[\s\S]*?\*\//gm, "");
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.-])["']?${key}["']?\\s*:\\s*${value}`, "g"))) {
    if (!topLevel || braceDepth(code.slice(0, m.index)) === 1) return true;
  }
  return false;
}

function braceDepth(code: string): number {
  let depth = 0;
  for (const ch of code) {
    if (ch === "{") depth++;
    else if (ch === "}") depth--;
  }
  return depth;
}

// Reading from a directory. The app comes from the user's repository, so a
// symlink could point at a file on the build host: every path is resolved
// and must stay inside the app, only regular files are read (a FIFO would
// block the open), and each is capped in size.

const MAX_FILE_BYTES = 64 * 1024;

/**
 * detectApp on a directory. A package.json that is missing, not valid JSON,
 * too large or outside the app counts as absent. Throws only when appDir
 * itself cannot be resolved.
 */
export async function detectAppInDir(appDir: string): Promise<Detected | null> {
  const root = await realpath(appDir);
  // The rules call read and exists synchronously; they touch a handful of small files.
  const read = (name: string) => readSmallFile(root, name);
  const exists = (relPath: string) => resolveInside(root, relPath) !== null;
  return detectApp({ packageJson: parsePackageJson(read("package.json")), read, exists });
}

/** The real path of relPath if it exists and, with every symlink followed, is still inside root. */
function resolveInside(root: string, relPath: string): string | null {
  if (path.isAbsolute(relPath)) return null;
  let real: string;
  try {
    // realpath rather than lstat alone: lstat sees only the last component, not a linked parent such as `.next -> /`.
    real = realpathSync(path.resolve(root, relPath));
  } catch {
    return null;
  }
  const rel = path.relative(root, real);
  return rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? null : real;
}

function readSmallFile(root: string, relPath: string): string | null {
  const real = resolveInside(root, relPath);
  if (real === null) return null;
  let fd: number;
  try {
    const info = lstatSync(real);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return null;
    // O_NOFOLLOW and O_NONBLOCK in case the file was swapped for a link or a FIFO since the lstat.
    fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return null;
    // One byte past the cap, in case the file grows while we read.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return length > MAX_FILE_BYTES ? null : buffer.toString("utf8", 0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function parsePackageJson(text: string | null): AppFiles["packageJson"] {
  if (text === null) return null;
  let raw: unknown;
  try {
    // npm accepts a byte order mark; JSON.parse does not.
    raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return null;
  }
  if (!isRecord(raw)) return null;
  return { dependencies: stringValues(raw.dependencies), devDependencies: stringValues(raw.devDependencies), scripts: stringValues(raw.scripts) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Drops what is not a string, so the rules can trust the types.
function stringValues(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}
