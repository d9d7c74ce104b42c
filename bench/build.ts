// Build speed and storage, against a bare `npm ci && npm run build` of the same
// Vite example in the same run:
//   (a) a cold Slipway deploy (empty dependency cache, empty npm cache) / bare, cold
//   (b) a warm Slipway deploy (one source file changed, lockfile unchanged) / cold deploy
//   (c) store size after 10 deploys of the app / after 1
//   (d) the sandbox's own cost: the cold deploy / the same cold deploy with
//       SLIPWAY_SANDBOX=off (every step run as a plain process of ours)
//   (e) a server function's cold start in the sandbox / without it
// Each ratio is the median over runs of that run's own ratio, after one
// untimed warm-up round.
// A Slipway deploy here is the whole path: pack + upload the source, then the
// worker's build job (stage, install, build, manifest, upload blobs, verify,
// publish), run in-process against a real temporary Postgres, timed until the
// deployment is published.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { appendFile, cp, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { median, ratio } from "@/bench/lib/stats";
import { packDirectory } from "@/lib/archive/pack-directory";
import { userCtx } from "@/lib/auth/ctx";
import { functionColdStartMs } from "@/bench/lib/function-cold-start";
import type { BuildDeps, BuildSandbox } from "@/lib/build/build-context";
import { buildSandbox } from "@/lib/build/build-deps";
import { loadConfig } from "@/lib/config/env";
import { poolSandbox } from "@/lib/router/functions/pool-sandbox";
import { runBuild } from "@/lib/build/run-build";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { startTempPostgres } from "@/lib/db/temp-postgres";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { createProject } from "@/lib/projects/create-project";
import { childEnv } from "@/lib/platform/child-env";
import { parseSecretKey } from "@/lib/secrets/keyring";

const ROOT = path.resolve(import.meta.dirname, "..");
const EXAMPLE = path.join(ROOT, "examples/vite-demo");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const run = promisify(execFile);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function copyExample(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-app-"));
  await cp(EXAMPLE, dir, { recursive: true, filter: (src) => !/\/(node_modules|dist)(\/|$)/.test(src.slice(EXAMPLE.length)) });
  return dir;
}

// The reference: what a developer runs by hand, with an empty npm cache.
async function bareBuild(): Promise<number> {
  const dir = await copyExample();
  const cache = await mkdtemp(path.join(os.tmpdir(), "bench-npm-cache-"));
  const env = childEnv({ PATH: process.env.PATH, HOME: dir, npm_config_cache: cache, npm_config_fund: "false", npm_config_audit: "false" });
  try {
    const t0 = performance.now();
    await run("npm", ["ci"], { cwd: dir, env });
    await run("npm", ["run", "build"], { cwd: dir, env });
    return performance.now() - t0;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}

type Platform = { db: Db; databaseUrl: string; ctx: ReturnType<typeof userCtx>; slug: string };

async function seedProject(db: Db, databaseUrl: string): Promise<Platform> {
  const suffix = randomBytes(4).toString("hex");
  const user = await db.user.create({ data: { email: `bench-${suffix}@example.test`, name: "Bench", passwordHash: "x" } });
  const team = await db.team.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  await db.membership.create({ data: { teamId: team.id, userId: user.id, role: "owner" } });
  const ctx = userCtx(db, user.id);
  const project = await createProject({ ctx, input: { teamId: team.id, name: "Bench", slug: `bench-${suffix}`, sourceKind: "archive" } });
  return { db, databaseUrl, ctx, slug: project.slug };
}

// One deploy as the CLI and worker do it; returns the time from packing the source to published.
async function slipwayDeploy(p: Platform, appDir: string, dataDir: string, sandbox: BuildSandbox): Promise<number> {
  process.env.DATA_DIR = dataDir;
  const deps: BuildDeps = {
    db: p.db,
    databaseUrl: p.databaseUrl,
    store: createLocalStore(path.join(dataDir, "store")),
    dataDir,
    secretKey: parseSecretKey(process.env.SLIPWAY_SECRET_KEY!),
    workerId: "bench",
    allowLocalGit: false,
    stepTimeoutMs: 600_000,
    maxLogBytes: 20 << 20,
    sandbox,
  };
  const t0 = performance.now();
  const archive = path.join(dataDir, `upload-${randomBytes(4).toString("hex")}.tar.gz`);
  await packDirectory(appDir, archive);
  const body = Readable.toWeb(createReadStream(archive)) as ReadableStream<Uint8Array>;
  const { deployment } = await createDeployment({ ctx: p.ctx, slug: p.slug, input: {}, upload: { body } });
  await rm(archive, { force: true });
  const t0w = Date.now() - (performance.now() - t0);
  const outcome = await runBuild(deployment.id, deps);
  // Published either way: live, or (a redeploy over a live one) as a rollout's canary.
  if (outcome !== "live" && outcome !== "canary") {
    const row = await p.db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
    throw new Error(`bench deploy ended ${outcome}: ${row.failureReason}`);
  }
  // Until it is live (published): what runs after (saving the dependency cache,
  // removing the workspace) delays nothing a user waits for.
  const published = await p.db.deploymentStage.findUniqueOrThrow({ where: { deploymentId_name: { deploymentId: deployment.id, name: "publish" } } });
  return published.finishedAt!.getTime() - t0w;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}

const newDataDir = () => mkdtemp(path.join(os.tmpdir(), "bench-data-"));

export async function buildBench() {
  process.env.SLIPWAY_SECRET_KEY ??= randomBytes(32).toString("hex");
  const pg = await startTempPostgres();
  const db = createDb(pg.url);
  const cleanup: string[] = [];
  try {
    await applyMigrations(pg.url);
    await installJobQueue(pg.url);
    const sandboxed = buildSandbox(loadConfig());
    const unsandboxed: BuildSandbox = { ...sandboxed, setting: "off", mode: { state: "off" } };
    const bare: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const plain: number[] = [];
    const coldDeploy = async (sandbox: BuildSandbox) => {
      const dataDir = await newDataDir();
      const app = await copyExample();
      cleanup.push(dataDir, app);
      const p = await seedProject(db, pg.url);
      return { p, app, dataDir, ms: await slipwayDeploy(p, app, dataDir, sandbox) };
    };
    // One untimed round first: a worker pays its one-time costs (the sandbox
    // probe, the first network namespace, loading the build code) once at
    // start-up, not per deploy.
    await bareBuild();
    await coldDeploy(sandboxed);
    await coldDeploy(unsandboxed);
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareBuild());
      const first = await coldDeploy(sandboxed);
      cold.push(first.ms);
      await appendFile(path.join(first.app, "src/main.js"), `\n// edit ${i}\n`);
      warm.push(await slipwayDeploy(first.p, first.app, first.dataDir, sandboxed));
      plain.push((await coldDeploy(unsandboxed)).ms);
      console.log(`  run ${i + 1}: bare ${seconds(bare[i])}, slipway cold ${seconds(cold[i])}, warm ${seconds(warm[i])}, cold without the sandbox ${seconds(plain[i])}`);
    }

    const dataDir = await newDataDir();
    const app = await copyExample();
    cleanup.push(dataDir, app);
    const p = await seedProject(db, pg.url);
    await slipwayDeploy(p, app, dataDir, sandboxed);
    const one = await dirBytes(path.join(dataDir, "store"));
    for (let i = 1; i < 10; i++) await slipwayDeploy(p, app, dataDir, sandboxed);
    const ten = await dirBytes(path.join(dataDir, "store"));
    const leftovers = (await readdir(path.join(dataDir, "workspaces")).catch(() => [])).length;

    const samples = 10 * RUNS;
    const fnSandboxed = await functionColdStartMs(await poolSandbox(loadConfig()), samples);
    const fnPlain = await functionColdStartMs({ state: "off" }, samples);

    const [b, c, w, u] = [median(bare), median(cold), median(warm), median(plain)];
    console.log(`bare npm ci && npm run build (cold)   median ${seconds(b)}`);
    console.log(`slipway deploy, cold                  median ${seconds(c)}`);
    console.log(`slipway deploy, warm dependency cache median ${seconds(w)}`);
    // Ratios are the median of each run's own ratio: the reference and the subject ran back to back.
    const paired = (xs: number[], ys: number[]) => median(xs.map((x, i) => ratio(x, ys[i])));
    console.log(`(a) cold slipway / bare:   ${paired(cold, bare).toFixed(2)}  (target <= 1.15)`);
    console.log(`(b) warm / cold slipway:   ${paired(warm, cold).toFixed(2)}  (target <= 0.5)`);
    console.log(`slipway deploy, cold, SLIPWAY_SANDBOX=off median ${seconds(u)}`);
    console.log(`(d) the sandbox's cost: cold sandboxed / cold unsandboxed: ${paired(cold, plain).toFixed(2)}`);
    console.log(`(e) function cold start, median of ${samples}: sandboxed ${fnSandboxed.toFixed(0)} ms, unsandboxed ${fnPlain.toFixed(0)} ms, ratio ${ratio(fnSandboxed, fnPlain).toFixed(2)}`);
    console.log(`(c) store after 10 deploys / after 1: ${(ten / 1024).toFixed(1)} KB / ${(one / 1024).toFixed(1)} KB = ${ratio(ten, one).toFixed(2)}  (target <= 1.2; ${leftovers} workspaces left behind)`);
  } finally {
    await db.$disconnect();
    await pg.stop();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  }
}
