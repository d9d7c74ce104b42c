// `npm run test:heal`: crash trials against `npm start` itself, the product's
// own supervisor (lib/platform/supervisor.ts), not a harness that restarts
// processes. The whole platform runs as a newcomer runs it (embedded Postgres,
// console, worker, router); an app is live; visitors request it through the
// router the whole time. Round after round, each of the worker, the console,
// the router and the embedded Postgres is killed with SIGKILL, and the trial
// waits until the platform is whole again by itself:
//   worker    the supervisor reports it running again (a new pid);
//   console   /api/healthz answers 200 with the database up;
//   router    the restarted process itself answers /readyz 200 "ready" (npm start
//             runs one router process per core, sharing the ports: the others
//             keep serving while one is down);
//   postgres  running again, and both the console and the router see the database up.
// It reports the time to heal per process (median, max) and the requests that
// failed while each was down. Pass: every kill healed within HEAL_TIMEOUT_MS,
// 0 failed requests while the router was not the one killed (requests on
// connections the killed router process held do fail), and the supervisor
// gave up on nothing.
//
// HEAL_KILLS: kills per process (default 20). The processes are killed in
// turn, and a round lasts at least ROUND_MS, so no process is killed more
// often than every 10 s (the supervisor gives up on 5 exits within 30 s: a
// crash loop, which these kills are not).
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { getJson, type Project, seedProject } from "@/bench/lib/router-fixture";
import { packDirectory } from "@/lib/archive/pack-directory";
import type { Db } from "@/lib/db/client";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { median } from "@/bench/lib/stats";
import { embeddedDatabaseUrl } from "@/lib/db/embedded";
import { createDb } from "@/lib/db/client";
import { readProcessStatus } from "@/lib/platform/process-status";
import { type LoadGen, type LoadWindow, startLoad } from "@/lib/testing/load-gen";
import { type RunningPlatform, startPlatform } from "@/lib/testing/platform-process";

const KILLS = Number(process.env.HEAL_KILLS ?? 20);
const HEAL_TIMEOUT_MS = Number(process.env.HEAL_TIMEOUT_MS ?? 60_000);
const TARGETS = ["worker", "console", "router", "postgres"] as const;
type Target = (typeof TARGETS)[number];
const SECRET_KEY = "42".repeat(32);
const RATE_PER_SEC = 50;
const ROUND_MS = 10_000;

// Answers in a window that were not the app's page: errors, refused connections, requests not sent.
const failuresIn = (w: LoadWindow) => w.done - (w.statuses[200] ?? 0) + w.skipped;

// On a new connection each time (so the kernel hands each to one of the router processes).
const getJsonAt = (url: string) => getJson(Number(new URL(url).port), new URL(url).pathname);

// Uploads a one-page app as the CLI does; the platform's own worker builds and publishes it.
async function deployPage(db: Db, project: Project, html: string): Promise<void> {
  const app = await mkdtemp(path.join(os.tmpdir(), "heal-app-"));
  const archive = `${app}.tar.gz`;
  try {
    await writeFile(path.join(app, "index.html"), html);
    await writeFile(path.join(app, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && cp index.html dist/" }));
    await packDirectory(app, archive);
    const body = Readable.toWeb(createReadStream(archive)) as ReadableStream<Uint8Array>;
    const { deployment } = await createDeployment({ ctx: project.ctx, slug: project.slug, input: {}, upload: { body, declaredBytes: (await stat(archive)).size } });
    for (let i = 0; ; i++) {
      const row = await db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
      if (row.status === "live") return;
      if (["failed", "canceled"].includes(row.status) || i > 1200) throw new Error(`the app's deployment ended ${row.status}: ${row.failureReason ?? "timed out"}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await rm(app, { recursive: true, force: true });
    await rm(archive, { force: true });
  }
}

const statusOf = (p: RunningPlatform, name: Target) => readProcessStatus(p.dataDir).find((s) => s.name === name);

async function healed(p: RunningPlatform, target: Target, oldPid: number): Promise<boolean> {
  const s = statusOf(p, target);
  if (!s || s.state !== "running" || s.pid === oldPid) return false;
  if (target === "worker") return true;
  const consoleUp = async () => (await getJsonAt(`${p.consoleUrl}/api/healthz`))?.body.database === "up";
  const routerReady = async () => (await getJsonAt(`${p.routerAdminUrl}/readyz`))?.body.status === "ready";
  if (target === "console") return consoleUp();
  // The other router process shares the admin port: ready means the restarted process itself answered.
  if (target === "router") {
    for (let i = 0; i < 8; i++) {
      const r = await getJsonAt(`${p.routerAdminUrl}/readyz`);
      if (r?.body.pid === s.pid) return r.body.status === "ready";
    }
    return false;
  }
  return (await consoleUp()) && (await routerReady());
}

async function main() {
  console.log(`heal trials: ${KILLS} kills each of ${TARGETS.join(", ")}; starting the platform (npm start)…`);
  const platform = await startPlatform({ env: { SLIPWAY_SECRET_KEY: SECRET_KEY }, timeoutMs: 300_000 });
  const db = createDb(embeddedDatabaseUrl(platform.dataDir, platform.pgPort));
  const heal: Record<Target, number[]> = { worker: [], console: [], router: [], postgres: [] };
  const failedWhile: Record<Target, number> = { worker: 0, console: 0, router: 0, postgres: 0 };
  const problems: string[] = [];
  let traffic: LoadGen | undefined;
  let requests = 0;
  try {
    const dbUrl = embeddedDatabaseUrl(platform.dataDir, platform.pgPort);
    // The verbs read DATA_DIR (the upload's store) from the environment.
    process.env.DATA_DIR = platform.dataDir;
    const project = await seedProject({ db, databaseUrl: dbUrl, dataDir: platform.dataDir, secretKey: SECRET_KEY, stop: async () => {} }, "healing");
    await deployPage(db, project, "<h1>healing app</h1>");
    await db.$disconnect();
    const routerPort = Number(new URL(platform.routerUrl).port);
    // Wait until the router serves it, then start the visitors.
    for (let i = 0; i < 100 && (await getJsonAt(`${platform.routerAdminUrl}/readyz`))?.body.status !== "ready"; i++) await new Promise((r) => setTimeout(r, 100));
    traffic = startLoad({ port: routerPort, host: project.host, path: "/", rate: RATE_PER_SEC, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 2000));
    const first = traffic.take();
    requests += first.done;
    if (failuresIn(first) > 0 || first.done === 0) throw new Error(`the app does not answer before any kill: ${JSON.stringify(first.statuses)}`);

    for (let round = 0; round < KILLS; round++) {
      const roundStarted = Date.now();
      for (const target of TARGETS) {
        const s = statusOf(platform, target);
        if (!s?.pid || s.state !== "running") {
          problems.push(`round ${round + 1}: ${target} was not running before its kill (${s?.state ?? "unknown"}${s?.gaveUp ? `: ${s.gaveUp}` : ""})`);
          continue;
        }
        requests += traffic.take().done;
        const t0 = Date.now();
        process.kill(s.pid, "SIGKILL");
        let ok = false;
        while (Date.now() - t0 < HEAL_TIMEOUT_MS) {
          if (await healed(platform, target, s.pid)) {
            ok = true;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        const ms = Date.now() - t0;
        // Answers already on their way when it healed.
        await new Promise((r) => setTimeout(r, 300));
        const window = traffic.take();
        requests += window.done;
        const failed = failuresIn(window);
        failedWhile[target] += failed;
        if (!ok) problems.push(`round ${round + 1}: ${target} did not heal within ${HEAL_TIMEOUT_MS / 1000} s`);
        else heal[target].push(ms);
        if (failed > 0 && target !== "router") problems.push(`round ${round + 1}: ${failed} request(s) failed while the ${target} was down (${JSON.stringify(window.statuses)})`);
        console.log(`  round ${round + 1} ${target.padEnd(8)} healed in ${(ms / 1000).toFixed(2)} s${failed ? `, ${failed} failed request(s)` : ""}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, ROUND_MS - (Date.now() - roundStarted))));
    }
  } finally {
    if (traffic) requests += (await traffic.stop()).done;
    const gaveUp = readProcessStatus(platform.dataDir).filter((s) => s.gaveUp);
    for (const s of gaveUp) problems.push(`the supervisor gave up on ${s.name}: ${s.gaveUp}`);
    await db.$disconnect().catch(() => undefined);
    await platform.stop("SIGINT");
  }

  console.log(`\nheal trials: ${KILLS} SIGKILLs of each process under npm start, ${requests} requests to the app`);
  for (const t of TARGETS) {
    const times = heal[t];
    const summary = times.length ? `healed ${times.length}/${KILLS}, median ${(median(times) / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s` : "never healed";
    console.log(`  ${t.padEnd(8)} ${summary}; failed requests while it was down: ${failedWhile[t]}`);
  }
  if (problems.length) {
    console.log(`\nFAIL (${problems.length}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
    process.exitCode = 1;
  } else {
    console.log("PASS: every kill healed by itself; no request failed while the router was up");
  }
}

await main().catch((e) => {
  console.error(`heal trials failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
process.exit(process.exitCode ?? 0);
