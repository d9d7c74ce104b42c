// Canary analysis on the real platform (issue 16): does an identical function
// version go live under real traffic, and is a bad one still rolled back?
// Everything is the production path: a temporary Postgres, deployments built
// and published by the real build job, the edge router process (one cluster
// worker) with its function hosts sandboxed as by default, and the rollout
// controller (tickRollouts) called about once a second as the worker does.
// Traffic: an open-loop Node load generator (lib/testing/load-gen.ts) at a
// fixed rate to /api/hello, keep-alive, no cookies, so every request is a new
// visitor split by the stage's weight.
//
// The function: ~300 ms of work at module load (a new host is cold: its first
// requests wait for it), then each request sleeps 30 ms and answers 200, or
// 500 one time in a hundred. Settings: stages 20/50/100, 5 s windows,
// minSamples 20 (enough for the lowest rate), the default thresholds.
//   A/A       per rate (BENCH_CANARY_RATES, default 20,200,400 req/s: at 600 a 2-core machine saturates and the baseline's own P95 doubles),
//             BENCH_CANARY_AA (default 10) deploys of the same code with only
//             its version string changed; each that goes live is the next
//             one's baseline. Target: 0 false rollbacks.
//   bad       at the highest rate, BENCH_CANARY_BAD (default 10) deploys of
//             each: 10% errors; +50 ms (80 ms per request); +200% (90 ms).
//             Target: all rolled back, median detection (rollout start →
//             rollback) ≤ window + 2 s.
// BENCH_CANARY_KIND=server runs all of it with the app as a server deployment
// (instances in the sandbox, the platform's runtime in this process; its
// start-up does the module load's work before it listens).
// Each run prints its stages' verdicts with both arms' P95s (the controller's,
// from the router's histograms) and what the load generator saw per version.
import { onCleanup, sleep } from "@/bench/lib/proc";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { deployDirectory, deployFiles, type Platform, type Project, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { startRuntime } from "@/bench/lib/runtime-fixture";
import { median, percentile } from "@/bench/lib/stats";
import { type LoadGen, type LoadWindow, startLoad } from "@/lib/testing/load-gen";
import { tickRollouts } from "@/lib/rollouts/tick-rollouts";

const RATES = (process.env.BENCH_CANARY_RATES ?? "20,200,400").split(",").map(Number).filter((n) => n > 0);
const AA_RUNS = Number(process.env.BENCH_CANARY_AA ?? 10);
const BAD_RUNS = Number(process.env.BENCH_CANARY_BAD ?? 10);
const WINDOW_SEC = Number(process.env.BENCH_CANARY_WINDOW ?? 5);
const MIN_SAMPLES = Number(process.env.BENCH_CANARY_MIN_SAMPLES ?? 20);
const STAGES = [20, 50, 100];
const MAX_INCONCLUSIVE = 3;
const CANARY = { stages: STAGES, observationWindowSec: WINDOW_SEC, minSamples: MIN_SAMPLES, maxInconclusiveWindows: MAX_INCONCLUSIVE };
const MODULE_LOAD_MS = 300;
const WARM_SEC = 5;
const TICK_MS = 1000;

// BENCH_CANARY_KIND=server: the same app as a server deployment (lib/runtime/),
// cold the same way (its start does the module load's work before it listens).
const KIND: "function" | "server" = process.env.BENCH_CANARY_KIND === "server" ? "server" : "function";

type Variant = { name: string; errorRate: number; delayMs: number };
const GOOD: Variant = { name: "A/A", errorRate: 0.01, delayMs: 30 };
const BAD: Variant[] = [
  { name: "10% errors", errorRate: 0.1, delayMs: 30 },
  { name: "+50 ms", errorRate: 0.01, delayMs: 80 },
  { name: "+200% latency", errorRate: 0.01, delayMs: 90 },
];

// The app: one function, its version in the answer's first line.
function appFiles(version: string, v: Variant): Record<string, string> {
  return {
    "index.html": `${version}\n`,
    "api/hello.js": `// canary-real bench function ${version}
const start = Date.now();
while (Date.now() - start < ${MODULE_LOAD_MS}) {
  // module load: imports, configuration, caches
}
export default async function handler() {
  await new Promise((r) => setTimeout(r, ${v.delayMs}));
  if (Math.random() < ${v.errorRate}) return new Response("${version} error\\n", { status: 500 });
  return new Response("${version}\\n");
}
`,
  };
}

// The same app as a server: /api/hello answers like the function, /healthz for the runtime.
function serverFiles(version: string, v: Variant): Record<string, string> {
  return {
    "server.js": `// canary-real bench server ${version}
const http = require("node:http");
const start = Date.now();
while (Date.now() - start < ${MODULE_LOAD_MS}) {
  // start-up: imports, configuration, caches
}
http.createServer((req, res) => {
  if (req.url === "/healthz") return res.end("ok");
  setTimeout(() => {
    if (Math.random() < ${v.errorRate}) {
      res.statusCode = 500;
      return res.end("${version} error\\n");
    }
    res.end("${version}\\n");
  }, ${v.delayMs});
}).listen(process.env.PORT);
`,
    "slipway.json": JSON.stringify({ runtime: "server", installCommand: "true", start: "node server.js", healthCheck: { path: "/healthz" }, canary: CANARY }),
  };
}

// Deploys `version` of the app, as a function or a server (KIND); a rollout against the live one unless `live`.
async function deployApp(platform: Platform, project: Project, version: string, v: Variant, live = false) {
  if (KIND === "function") return deployFiles(platform, project, appFiles(version, v), live ? {} : { canary: CANARY });
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-canary-server-"));
  try {
    const files = serverFiles(version, v);
    if (live) files["slipway.json"] = files["slipway.json"].replace(/"canary":\{[^}]*\}/, '"canary":"skip"');
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    return await deployDirectory(platform, project, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Run = { version: string; status: string; seconds: number; reason: string; failed: "error_rate" | "latency" | null };

// The controller as the worker runs it: a tick about once a second, never two at once.
function startController(platform: Platform, project: Project) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const outcomes = await tickRollouts(platform.db, { projectIds: [project.id] }).catch((e: Error) => [{ action: "error", detail: e.message }]);
      for (const o of outcomes) if (o.action === "error") console.error(`  controller tick failed: ${o.detail}`);
      await sleep(Math.max(0, TICK_MS - (Date.now() - t0)));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const ms = (v: number | null | undefined) => (v == null || Number.isNaN(v) ? "-" : `${v.toFixed(1)}`);

// What the load generator saw during the run, per version that answered.
function clientLine(w: LoadWindow, canary: string): string {
  const byVersion = new Map<string, number[]>();
  for (const [body, lat] of Object.entries(w.byBody)) {
    const version = body.split(" ")[0];
    byVersion.set(version, [...(byVersion.get(version) ?? []), ...lat]);
  }
  const arms = [...byVersion.entries()].map(([v, lat]) => `${v === canary ? "canary" : v} ${lat.length} P95 ${ms(percentile(lat, 95))} ms`);
  const non200 = w.done - (w.statuses[200] ?? 0);
  const lost = (w.statuses[0] ?? 0) + w.skipped;
  return `client ${(w.done / w.seconds).toFixed(0)} req/s: ${arms.join(", ")}; non-200 ${((100 * non200) / Math.max(1, w.done)).toFixed(1)}%${lost ? `, ${lost} lost` : ""}`;
}

async function rollout(platform: Platform, project: Project, load: LoadGen, version: string, v: Variant, label: string): Promise<Run> {
  const t0 = performance.now();
  const d = await deployApp(platform, project, version, v);
  const buildSec = (performance.now() - t0) / 1000;
  if (d.outcome !== "canary") throw new Error(`${version} went ${d.outcome}, not canary: is a live deployment missing?`);
  const { id } = await platform.db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: d.id } });
  load.take();
  const budgetMs = (STAGES.length * MAX_INCONCLUSIVE * WINDOW_SEC + 60) * 1000;
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const r = await platform.db.rollout.findUniqueOrThrow({ where: { id } });
    if (r.status !== "running") break;
    if (Date.now() > deadline) throw new Error(`rollout of ${version} still running after ${budgetMs / 1000} s`);
    await sleep(250);
  }
  const w = load.take();
  const r = await platform.db.rollout.findUniqueOrThrow({ where: { id }, include: { analyses: { orderBy: { id: "asc" } } } });
  const seconds = ((r.finishedAt ?? new Date()).getTime() - r.startedAt.getTime()) / 1000;
  const reason = r.reason ?? "";
  const failed = r.status !== "rolled_back" ? null : /^error rate/.test(reason) ? "error_rate" : "latency";
  const stages = r.analyses
    .map((a) => `${a.weight}% ${a.verdict} P95 ${ms(a.canaryP95Ms)}/${ms(a.baselineP95Ms)} ms n ${a.canaryRequests}/${a.baselineRequests} err ${a.canaryErrors}/${a.baselineErrors}`)
    .join(" · ");
  console.log(`  ${label} ${version}: ${r.status} after ${seconds.toFixed(1)} s (build ${buildSec.toFixed(1)} s)${r.status === "rolled_back" ? `: ${reason}` : ""}`);
  console.log(`      stages (canary/baseline): ${stages || "none"}`);
  console.log(`      ${clientLine(w, version)}`);
  return { version, status: r.status, seconds, reason, failed };
}

const verdictOf = (ok: boolean) => (ok ? "PASS" : "FAIL");

export async function canaryRealBench() {
  const platform = await startPlatform();
  const unregister = onCleanup(() => platform.stop());
  let n = 0;
  const version = () => `v${++n}`;
  try {
    const project = await seedProject(platform, "canary-real");
    // Server apps' instances: the platform's runtime, in this process (replaced versions stop after 10 s).
    const runtime = KIND === "server" ? await startRuntime(platform, { idleMs: 10_000 }) : null;
    const unregisterRuntime = onCleanup(async () => runtime?.stop());
    // The first deployment goes live at once (nothing to compare with).
    await deployApp(platform, project, version(), GOOD, true);
    const router = await startRouterProcess(platform, 1);
    const load = startLoad({ port: router.port, host: project.host, path: "/api/hello", rate: RATES[0] });
    const controller = startController(platform, project);
    const stopAll = async () => {
      await controller.stop();
      await load.stop();
      await router.stop();
    };
    const unregisterAll = onCleanup(stopAll);
    let failed = false;
    try {
      console.log(
        `  ${KIND}: ${MODULE_LOAD_MS} ms ${KIND === "server" ? "start-up" : "module load"}, ${GOOD.delayMs} ms per request, ${GOOD.errorRate * 100}% errors; stages ${STAGES.join("/")}, ` +
          `window ${WINDOW_SEC} s, minSamples ${MIN_SAMPLES}; 1 router worker, sandboxed hosts; rates ${RATES.join(", ")} req/s`,
      );
      const summary: string[] = [];
      for (const rate of RATES) {
        load.setRate(rate);
        // The baseline has served this traffic for a while, as a live deployment has.
        await sleep(WARM_SEC * 1000);
        load.take();
        const runs: Run[] = [];
        for (let i = 0; i < AA_RUNS; i++) runs.push(await rollout(platform, project, load, version(), GOOD, `A/A ${rate} req/s ${i + 1}/${AA_RUNS}`));
        const rolledBack = runs.filter((r) => r.status === "rolled_back").length;
        const promoted = runs.filter((r) => r.status === "succeeded").length;
        const ok = rolledBack === 0;
        failed ||= !ok;
        summary.push(
          `A/A at ${String(rate).padStart(4)} req/s    false rollbacks ${rolledBack}/${runs.length} (promoted ${promoted}, other ${runs.length - rolledBack - promoted}), ` +
            `median ${median(runs.map((r) => r.seconds)).toFixed(1)} s per rollout  (target 0)  ${verdictOf(ok)}`,
        );
      }
      const maxRate = Math.max(...RATES);
      load.setRate(maxRate);
      await sleep(WARM_SEC * 1000);
      for (const bad of BAD) {
        const runs: Run[] = [];
        for (let i = 0; i < BAD_RUNS; i++) {
          const run = await rollout(platform, project, load, version(), bad, `${bad.name} ${maxRate} req/s ${i + 1}/${BAD_RUNS}`);
          runs.push(run);
          if (run.status === "succeeded") {
            // A missed bad version is live now: put a good one back (straight to live) and warm it.
            await deployApp(platform, project, version(), GOOD, true);
            await sleep(WARM_SEC * 1000);
          }
        }
        const caught = runs.filter((r) => r.status === "rolled_back");
        const times = caught.map((r) => r.seconds);
        const med = times.length ? median(times) : NaN;
        const ok = caught.length === runs.length && med <= WINDOW_SEC + 2;
        failed ||= !ok;
        const by = `by error rate ${caught.filter((r) => r.failed === "error_rate").length}, latency ${caught.filter((r) => r.failed === "latency").length}`;
        summary.push(
          `${bad.name.padEnd(14)} at ${maxRate} req/s rolled back ${caught.length}/${runs.length} (${by}), detection median ${med.toFixed(1)} s, ` +
            `max ${times.length ? Math.max(...times).toFixed(1) : "-"} s  (target all, median <= ${WINDOW_SEC + 2} s)  ${verdictOf(ok)}`,
        );
      }
      console.log("");
      for (const line of summary) console.log(line);
      if (failed) process.exitCode = 1;
    } finally {
      unregisterAll();
      await stopAll();
    }
    unregisterRuntime();
    await runtime?.stop();
  } finally {
    unregister();
    await platform.stop();
  }
}
