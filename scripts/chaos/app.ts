// The trials' app: a few static files that `node build.mjs` copies to dist/,
// stamping each with the deployment's marker, so every deployment's files
// differ and a body from one deployment under another's headers shows. Plus
// some unstamped filler, so an upload writes enough blobs to be caught in the
// act. Deployed through the console's API as the CLI does (a .tar.gz with an
// API token).
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { packDirectory } from "@/lib/archive/pack-directory";
import { userCtx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { createProject } from "@/lib/projects/create-project";
import { createApiToken } from "@/lib/tokens/create-api-token";

/** The paths the traffic asks for; each is a stamped file of every deployment. */
export const APP_PATHS = ["/", "/about.html", "/app.js", "/style.css", "/data.json"];
const SOURCES: Record<string, string> = {
  "index.html": "<!doctype html><title>chaos</title><p>marker MARKER</p>\n",
  "about.html": "<!doctype html><title>about</title><p>about MARKER</p>\n",
  "app.js": 'console.log("MARKER");\n',
  "style.css": "body::after { content: 'MARKER'; }\n",
  "data.json": '{"marker":"MARKER"}\n',
};
const FILLER_FILES = 24;
const FILLER_BYTES = 8192;

const BUILD_MJS = `import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
const marker = readFileSync("marker.txt", "utf8").trim();
mkdirSync("dist", { recursive: true });
for (const f of readdirSync("src")) writeFileSync("dist/" + f, readFileSync("src/" + f, "utf8").replaceAll("MARKER", marker));
cpSync("filler", "dist/filler", { recursive: true });
`;

export type ChaosApp = { slug: string; host: string; token: string };

/** The project (archive source) and a developer API token of the seeded owner. */
export async function createChaosApp(db: Db): Promise<ChaosApp> {
  const user = await db.user.findFirstOrThrow({ include: { memberships: true } });
  const ctx = userCtx(db, user.id);
  const teamId = user.memberships[0].teamId;
  const project = await createProject({ ctx, input: { teamId, name: "Chaos", slug: "chaos", sourceKind: "archive" } });
  const { token } = await createApiToken({ ctx, input: { teamId, name: "chaos", role: "developer", expiresInDays: 7 } });
  return { slug: project.slug, host: `${project.slug}.localhost`, token };
}

/** A .tar.gz of the app whose build stamps `marker` into its files; the caller removes it. */
export async function packApp(marker: string): Promise<{ file: string; bytes: Buffer }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-chaos-app-"));
  try {
    await mkdir(path.join(dir, "src"));
    await mkdir(path.join(dir, "filler"));
    for (const [name, content] of Object.entries(SOURCES)) await writeFile(path.join(dir, "src", name), content);
    // Filler changes every few deployments, so some uploads write new blobs and some reuse them.
    const fillerSeed = marker.slice(0, 1);
    for (let i = 0; i < FILLER_FILES; i++) await writeFile(path.join(dir, "filler", `f${i}.bin`), fillerBytes(fillerSeed, i));
    await writeFile(path.join(dir, "marker.txt"), marker);
    await writeFile(path.join(dir, "build.mjs"), BUILD_MJS);
    await writeFile(path.join(dir, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "node build.mjs", outputDirectory: "dist" }));
    const file = path.join(os.tmpdir(), `slipway-chaos-${marker}.tar.gz`);
    await packDirectory(dir, file);
    return { file, bytes: await readFile(file) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fillerBytes = (seed: string, i: number) => Buffer.alloc(FILLER_BYTES, `${seed}:${i}:`);

export const newMarker = () => randomBytes(6).toString("hex");

export type ApiResult = { ok: true; status: number; body: Record<string, unknown> } | { ok: false; status: number; error: string };

/** One call to the console's API with the token; a dropped connection is { ok: false, status: 0 }. */
export async function api(consoleUrl: string, app: ChaosApp, method: string, urlPath: string, body?: Buffer): Promise<ApiResult> {
  try {
    const res = await fetch(`${consoleUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${app.token}`, ...(body ? { "content-type": "application/gzip" } : {}) },
      body: body ? new Uint8Array(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) return { ok: false, status: res.status, error: text.slice(0, 300) };
    return { ok: true, status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch (e) {
    return { ok: false, status: 0, error: (e as Error).message };
  }
}

/** Uploads a new deployment of the app; its id, or null when the console did not take it. */
export async function deployApp(consoleUrl: string, app: ChaosApp, marker: string): Promise<{ id: string | null; error?: string }> {
  const { file, bytes } = await packApp(marker);
  try {
    const r = await api(consoleUrl, app, "POST", `/api/projects/${app.slug}/deployments?message=${marker}`, bytes);
    if (!r.ok) return { id: null, error: `${r.status} ${r.error}` };
    return { id: (r.body.deployment as { id: string }).id };
  } finally {
    await rm(file, { force: true });
  }
}
