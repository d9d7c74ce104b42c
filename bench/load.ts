// The platform under load, with its references in the same run.
//
// 1. Router: wrk with LOAD_CONNECTIONS (1,000) keep-alive connections for
//    LOAD_SECONDS (60) against the real router (lib/router/main.ts on Bun,
//    two processes sharing the port) serving a deployed app, while a loop deploys a new
//    version (the real build job; a production deploy goes live) and then
//    promotes an older one, every LOAD_CHURN_MS, on the host being loaded
//    (LOAD_CHURN_MS=0: no deploys, to see what they cost).
//    wrk's Lua script (bench/lib/status-count.lua) counts the answers by
//    status, tells the router's own 5xx pages (lib/router/pages.ts) from the
//    app's, and the 2xx by deployment. Reference: nginx serving the same files
//    under the same wrk settings (rounds alternate the order). wrk opens its
//    1,000 connections at once, so each run begins with that burst. Targets
//    (issue 17): 0 router errors (its 5xx pages, and socket errors: connect,
//    read, write, timeout) and a p99 at most 2× nginx's. Also printed: how
//    long until the serving processes hold all of wrk's connections (requests
//    on connections not accepted yet wait, and make the p99).
// 2. Console API: LOAD_USERS (50) simulated users, each browsing the history
//    of a project with LOAD_HISTORY_ROWS (10,000) deployments back to back (no
//    think time) for LOAD_CONSOLE_SECONDS (30), through the production console
//    (`next start`) with an API token: first page, next pages by cursor, the
//    branch list, a filter, a search, then one deployment, its manifest and its
//    build log. Reference: the same calls by one user. Target: 0 errors.
//
// Exits non-zero if the router produced an error of its own or the console a 5xx.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startConsoleProcess } from "@/bench/lib/console-process";
import { seedHistory, type SeededHistory } from "@/bench/lib/history-seed";
import { startNginx } from "@/bench/lib/nginx";
import { ensurePrograms, onCleanup, sleep, treeCpuMs } from "@/bench/lib/proc";
import { connectionCensus, deployFiles, type Deployed, type Platform, type Project, request, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { descendantPids, median, percentile, ratio } from "@/bench/lib/stats";
import { runWrk, type WrkResult } from "@/bench/lib/wrk";
import { renderPage } from "@/lib/router/pages";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { createApiToken } from "@/lib/tokens/create-api-token";

const RUNS = Number(process.env.LOAD_RUNS ?? 1);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 1000);
const THREADS = Number(process.env.LOAD_THREADS ?? 2);
const CHURN_MS = Number(process.env.LOAD_CHURN_MS ?? 3000);
const USERS = Number(process.env.LOAD_USERS ?? 50);
const CONSOLE_SECONDS = Number(process.env.LOAD_CONSOLE_SECONDS ?? 30);
const HISTORY_ROWS = Number(process.env.LOAD_HISTORY_ROWS ?? 10_000);
const WORKERS = 2;
const TARGET_P99_RATIO = 2;
const SCRIPT = path.join(import.meta.dirname, "lib/status-count.lua");

// What every one of the router's own pages starts with, up to its status.
const ROUTER_PAGE_PREFIX = (() => {
  const page = renderPage({ status: 599, title: "", message: "" });
  return page.slice(0, page.indexOf("599"));
})();

const appFiles = (version: string) => ({
  "index.html": `<!doctype html>\n<title>load</title>\n<p>version ${version}</p>\n${"<p>lorem ipsum dolor sit amet</p>\n".repeat(40)}`,
});

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

/** The soft open-files limit, raised (for us and the processes we start from now on) to `need` if it is lower. */
function ensureOpenFiles(need: number): number {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  const soft = m?.[1] === "unlimited" ? Infinity : Number(m?.[1] ?? 0);
  const hard = m?.[2] === "unlimited" ? Infinity : Number(m?.[2] ?? 0);
  if (soft >= need) return soft;
  if (hard < need) throw new Error(`load bench: ${need} open files are needed, the hard limit is ${hard}; raise it (ulimit -Hn) first`);
  execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${need}:${hard === Infinity ? "unlimited" : hard}`]);
  console.log(`  raised the open-files limit from ${soft} to ${need} (prlimit)`);
  return need;
}

// ---------------------------------------------------------------- router

// wrk opens all its connections at once. How long until the serving
// processes hold every one of them (a connection not accepted yet has its
// first request wait), and the most that waited at once; sampled every
// RAMP_SAMPLE_MS.
type Ramp = { allHeldAfterS: number | null; maxWaiting: number };
const RAMP_SAMPLE_MS = 500;

function watchRamp(port: number, servingPids: () => number[]) {
  const t0 = performance.now();
  const ramp: Ramp = { allHeldAfterS: null, maxWaiting: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped && ramp.allHeldAfterS === null) {
      const { held, elsewhere } = await connectionCensus(servingPids(), port);
      ramp.maxWaiting = Math.max(ramp.maxWaiting, elsewhere);
      if (held >= CONNECTIONS) ramp.allHeldAfterS = (performance.now() - t0) / 1000;
      else await sleep(RAMP_SAMPLE_MS);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return ramp;
  };
}

type LoadRun = WrkResult & { counts: Record<string, number>; ramp: Ramp };

function counted(r: WrkResult, ramp: Ramp): LoadRun {
  const counts: Record<string, number> = {};
  for (const m of r.raw.matchAll(/^count (\S+) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  return { ...r, counts, ramp };
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const socketErrors = (r: LoadRun) => sum(r.socketErrors);
const routerErrors = (r: LoadRun) => (r.counts["router-5xx"] ?? 0) + socketErrors(r);

type Churn = { deploys: number; promotes: number; deployMs: number[]; promoteMs: number[]; failures: string[] };

// Deploys a new version, then promotes an older one, each CHURN_MS / 2 apart, until stopped.
function startChurn(platform: Platform, project: Project, deployed: Deployed[]) {
  const churn: Churn = { deploys: 0, promotes: 0, deployMs: [], promoteMs: [], failures: [] };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        let t0 = performance.now();
        deployed.push(await deployFiles(platform, project, appFiles(`v${deployed.length + 1}`)));
        churn.deployMs.push(performance.now() - t0);
        churn.deploys++;
        await sleep(CHURN_MS / 2);
        if (stopped) break;
        const older = deployed[Math.floor(Math.random() * (deployed.length - 1))];
        t0 = performance.now();
        await promoteDeployment({ ctx: project.ctx, id: older.id });
        churn.promoteMs.push(performance.now() - t0);
        churn.promotes++;
        await sleep(CHURN_MS / 2);
      } catch (e) {
        churn.failures.push((e as Error).message);
        await sleep(CHURN_MS);
      }
    }
  })();
  return {
    churn,
    stop: async () => {
      stopped = true;
      await loop;
      return churn;
    },
  };
}

async function wrkRun(port: number, host: string, servingPids: () => number[]) {
  const stopRamp = watchRamp(port, servingPids);
  const r = await runWrk({
    url: `http://127.0.0.1:${port}/`,
    headers: { Host: host },
    threads: THREADS,
    connections: CONNECTIONS,
    seconds: SECONDS,
    script: { file: SCRIPT, args: [ROUTER_PAGE_PREFIX] },
  }).catch(async (e) => {
    await stopRamp();
    throw e;
  });
  return counted(r, await stopRamp());
}

const fmtRamp = (r: Ramp) => (r.allHeldAfterS === null ? `not all ${CONNECTIONS} connections held by its workers before wrk ended` : `all ${CONNECTIONS} connections held by its workers after ${r.allHeldAfterS.toFixed(1)} s`) + `, at most ${r.maxWaiting} waiting`;

const fmtRun = (r: LoadRun) =>
  `${String(r.requests).padStart(8)} requests, ${r.requestsPerSec.toFixed(0).padStart(6)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; ` +
  `socket errors ${JSON.stringify(r.socketErrors)}, router 5xx ${r.counts["router-5xx"] ?? 0}, app 5xx ${r.counts["app-5xx"] ?? 0}, ` +
  `statuses ${Object.entries(r.counts).filter(([k]) => k.startsWith("status-")).map(([k, v]) => `${k.slice(7)}: ${v}`).join(", ")}`;

async function routerLoad(platform: Platform) {
  const project = await seedProject(platform, "load");
  const deployed = [await deployFiles(platform, project, appFiles("v1"))];
  const router = await startRouterProcess(platform, WORKERS);
  const stops: (() => Promise<void>)[] = [router.stop];
  try {
    const www = await mkdtemp(path.join(os.tmpdir(), "bench-load-www-"));
    const removeWww = () => rm(www, { recursive: true, force: true });
    onCleanup(removeWww);
    stops.push(removeWww);
    for (const [name, content] of Object.entries(appFiles("v1"))) await writeFile(path.join(www, name), content);
    const nginx = await startNginx(www, WORKERS);
    stops.push(nginx.stop);
    for (const [name, port] of [["router", router.port], ["nginx", nginx.port]] as const) {
      const r = await request(port, project.host, "/");
      if (r.status !== 200 || !r.body.toString().includes("version v1")) throw new Error(`load bench: ${name} answered ${r.status} for /: ${r.body.toString().slice(0, 200)}`);
    }
    console.log(`  router pids ${router.workerPids.join(", ")} on :${router.port}; nginx on :${nginx.port}; ${project.host}, live ${deployed[0].id}`);
    console.log(`  wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency -s status-count.lua, ${RUNS} round(s); during the router's runs: deploy + promote an older version every ${CHURN_MS} ms`);

    const results = { router: [] as LoadRun[], nginx: [] as LoadRun[] };
    const churns: Churn[] = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? (["router", "nginx"] as const) : (["nginx", "router"] as const);
      for (const name of order) {
        const before = loadavg();
        let r: LoadRun;
        if (name === "router") {
          const c = CHURN_MS > 0 ? startChurn(platform, project, deployed) : null;
          r = await wrkRun(router.port, project.host, () => router.workerPids).finally(() => c?.stop().then((x) => churns.push(x)));
          const ch = churns[churns.length - 1] ?? { deploys: 0, promotes: 0, deployMs: [], promoteMs: [], failures: [] };
          const served = Object.keys(r.counts).filter((k) => k.startsWith("deployment-")).length;
          console.log(`  round ${i + 1} router ${fmtRun(r)}`);
          console.log(`          during it: ${ch.deploys} deploys (p50 ${median(ch.deployMs).toFixed(0)} ms), ${ch.promotes} promotes (p50 ${median(ch.promoteMs).toFixed(0)} ms), ${served} deployments served, ${ch.failures.length} churn failures${ch.failures.length ? `: ${ch.failures[0]}` : ""}`);
        } else {
          r = await wrkRun(nginx.port, project.host, () => descendantPids(nginx.pid));
          console.log(`  round ${i + 1} nginx  ${fmtRun(r)}`);
        }
        console.log(`          ${fmtRamp(r.ramp)}; load average before ${before}, after ${loadavg()}`);
        results[name].push(r);
      }
    }
    const logged = router.output().split("\n").filter((l) => /request failed|failed:/i.test(l));
    if (logged.length > 0) console.log(`  router logged ${logged.length} failure line(s), e.g. ${logged[0]}`);
    return { results, churns };
  } finally {
    for (const s of stops.reverse()) await s().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  }
}

// ---------------------------------------------------------------- console

const CALLS = ["list", "next page", "branches", "filter", "search", "deployment", "manifest", "logs"] as const;
type Call = (typeof CALLS)[number];
type Sample = { call: Call; ms: number; status: number };
type Page = { deployments: { id: string; branch: string; commitSha: string }[]; nextCursor: string | null };

// One simulated person: browses the history the way the console's pages do, over and over, until `until`.
async function browse(base: string, token: string, s: SeededHistory, until: number, samples: Sample[]) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];
  const call = async <T>(name: Call, urlPath: string): Promise<T | null> => {
    const t0 = performance.now();
    let status = 0;
    let body: T | null = null;
    try {
      const res = await fetch(`${base}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
      status = res.status;
      const text = await res.text();
      if (res.ok) body = JSON.parse(text) as T;
    } catch {
      // status 0: the request failed
    }
    samples.push({ call: name, ms: performance.now() - t0, status });
    return body;
  };
  const history = `/api/projects/${s.slug}/deployments`;
  while (performance.now() < until) {
    const first = await call<Page>("list", history);
    let page = first;
    for (let n = 1 + Math.floor(Math.random() * 3); n > 0 && page?.nextCursor && performance.now() < until; n--) {
      page = await call<Page>("next page", `${history}?cursor=${encodeURIComponent(page.nextCursor)}`);
    }
    if (performance.now() >= until) break;
    await call("branches", `/api/projects/${s.slug}/branches`);
    const row = pick(s.rows);
    const filter = pick([
      `status=failed`,
      `status=failed,canceled`,
      `environment=preview`,
      `branch=${encodeURIComponent(row.branch)}`,
      `author=${pick(s.userIds)}`,
      `author=me`,
      `environment=preview&branch=${encodeURIComponent(row.branch)}&status=live,superseded`,
    ]);
    const filtered = await call<Page>("filter", `${history}?${filter}`);
    const q = pick([row.commitSha.slice(0, 7), "login", "cache", "100%", "payment"]);
    await call("search", `${history}?q=${encodeURIComponent(q)}`);
    if (performance.now() >= until) break;
    // Mostly a recent one (the real builds, with a manifest and a log, are the newest).
    const shown = Math.random() < 0.6 ? first?.deployments : filtered?.deployments;
    if (!shown?.length) continue;
    const d = pick(shown.slice(0, 10));
    await call("deployment", `/api/deployments/${d.id}`);
    await call("manifest", `/api/deployments/${d.id}/manifest`);
    await call("logs", `/api/deployments/${d.id}/logs`);
  }
}

async function users(n: number, seconds: number, base: string, token: string, s: SeededHistory): Promise<Sample[]> {
  const samples: Sample[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: n }, () => browse(base, token, s, until, samples)));
  return samples;
}

// The temporary Postgres' postmaster: our child process named "postgres" (its backends are its children).
function postmasterPid(): number | undefined {
  return descendantPids(process.pid).find((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === "postgres" && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

type CallStats = { n: number; p50: number; p95: number; p99: number; errors: number; fivexx: number };

function callStats(samples: Sample[]): CallStats {
  const ms = samples.map((x) => x.ms);
  return {
    n: samples.length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    errors: samples.filter((x) => x.status < 200 || x.status >= 400).length,
    fivexx: samples.filter((x) => x.status >= 500).length,
  };
}

async function consoleLoad(platform: Platform) {
  const s = await seedHistory(platform.db, HISTORY_ROWS);
  // A few real builds on top of the history, so the deployments people open
  // most (the newest) have a manifest and a build log.
  const project: Project = { ctx: s.ctx, id: s.projectId, slug: s.slug, host: `${s.slug}.localhost` };
  for (let i = 0; i < 3; i++) await deployFiles(platform, project, appFiles(`h${i}`));
  const { token } = await createApiToken({ ctx: s.ctx, input: { teamId: s.teamId, name: "load bench", role: "viewer", expiresInDays: 7 } });
  const consoleProcess = await startConsoleProcess(platform);
  try {
    console.log(`  console pid ${consoleProcess.pid} at ${consoleProcess.url}; project ${s.slug}, ${HISTORY_ROWS + 3} deployments; Bearer API token (viewer)`);
    await users(1, 5, consoleProcess.url, token, s); // warm-up, not counted
    // CPU per call of the console (one Node process: at most about 1000 / ms calls/s) and of Postgres.
    const pg = postmasterPid();
    const cpu = () => [treeCpuMs(consoleProcess.pid), pg ? treeCpuMs(pg) : NaN];
    const phase = async (n: number) => {
      const [before, cpu0] = [loadavg(), cpu()];
      const samples = await users(n, CONSOLE_SECONDS, consoleProcess.url, token, s);
      const perCall = cpu().map((ms, i) => ((ms - cpu0[i]) / Math.max(1, samples.length)).toFixed(1));
      console.log(
        `  ${`${n} user${n > 1 ? "s" : ""}:`.padEnd(10)} ${samples.length} calls in ${CONSOLE_SECONDS} s (${(samples.length / CONSOLE_SECONDS).toFixed(0)}/s); ` +
          `CPU per call: console ${perCall[0]} ms, Postgres ${perCall[1]} ms; load average before ${before}, after ${loadavg()}`,
      );
      return samples;
    };
    const single = await phase(1);
    const loaded = await phase(USERS);
    const statuses = [...new Set([...single, ...loaded].filter((x) => x.status !== 200).map((x) => x.status))];
    if (statuses.length > 0) console.log(`  statuses other than 200: ${statuses.join(", ")}; console output (last 2 KB):\n${consoleProcess.output().slice(-2048)}`);
    return { single, loaded };
  } finally {
    await consoleProcess.stop();
  }
}

// ---------------------------------------------------------------- report

export async function loadBench() {
  ensurePrograms([
    { program: "wrk", aptPackage: "wrk" },
    { program: "nginx", aptPackage: "nginx" },
  ]);
  const openFiles = ensureOpenFiles(2 * CONNECTIONS + 1024);
  console.log(`  open-files limit ${openFiles}; ${os.cpus().length} CPUs; load average ${loadavg()}`);
  const platform = await startPlatform();
  try {
    console.log("\n  -- router under load --");
    const { results, churns } = await routerLoad(platform);
    console.log("\n  -- console API under load --");
    const { single, loaded } = await consoleLoad(platform);

    const med = (rs: LoadRun[], f: (r: LoadRun) => number) => median(rs.map(f));
    const r = results.router;
    const n = results.nginx;
    const rErrors = r.reduce((a, x) => a + routerErrors(x), 0);
    const deploys = churns.reduce((a, c) => a + c.deploys, 0);
    const promotes = churns.reduce((a, c) => a + c.promotes, 0);
    const churnFailures = churns.reduce((a, c) => a + c.failures.length, 0);
    const allSocket = (rs: LoadRun[]) => {
      const t = { connect: 0, read: 0, write: 0, timeout: 0 };
      for (const x of rs) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += x.socketErrors[k];
      return t;
    };
    const count = (rs: LoadRun[], key: string) => rs.reduce((a, x) => a + (x.counts[key] ?? 0), 0);

    console.log(`\nload: router vs nginx, ${CONNECTIONS} connections, ${SECONDS} s, median of ${RUNS} run(s)`);
    console.log(`  ${"".padEnd(8)} ${"requests".padStart(9)} ${"req/s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(8)}  socket errors (connect/read/write/timeout)  5xx own/app  all connections held after`);
    for (const [name, rs] of [["router", r], ["nginx", n]] as const) {
      const se = allSocket(rs);
      console.log(
        `  ${name.padEnd(8)} ${med(rs, (x) => x.requests).toFixed(0).padStart(9)} ${med(rs, (x) => x.requestsPerSec).toFixed(0).padStart(7)} ${med(rs, (x) => x.p50Ms).toFixed(2).padStart(7)} ${med(rs, (x) => x.p99Ms).toFixed(2).padStart(8)}  ` +
          `${`${se.connect}/${se.read}/${se.write}/${se.timeout}`.padEnd(42)} ${(name === "router" ? `${count(rs, "router-5xx")}/${count(rs, "app-5xx")}` : `-/${count(rs, "app-5xx")}`).padEnd(12)} ${rs.map((x) => (x.ramp.allHeldAfterS === null ? "never" : `${x.ramp.allHeldAfterS.toFixed(1)} s`)).join(", ")}`,
      );
    }
    console.log(`  ratios router/nginx: req/s ${ratio(med(r, (x) => x.requestsPerSec), med(n, (x) => x.requestsPerSec)).toFixed(2)}, p99 ${ratio(med(r, (x) => x.p99Ms), med(n, (x) => x.p99Ms)).toFixed(2)}`);
    console.log(`  during the router's runs: ${deploys} deploys, ${promotes} promotes (${churnFailures} failed); router errors of its own: ${rErrors} (target 0)`);

    console.log(`\nload: console API, ${USERS} users vs 1 user, ${CONSOLE_SECONDS} s each, ${HISTORY_ROWS} deployments (ms)`);
    console.log(`  ${"call".padEnd(11)} ${"calls".padStart(6)} ${"p50".padStart(7)} ${"p95".padStart(7)} ${"p99".padStart(7)} ${"errors".padStart(6)}   ${"1-user p95".padStart(10)}  loaded/unloaded p95`);
    let consoleErrors = 0;
    let consoleFivexx = 0;
    for (const c of [...CALLS, "overall"] as const) {
      const pick = (xs: Sample[]) => (c === "overall" ? xs : xs.filter((x) => x.call === c));
      const l = callStats(pick(loaded));
      const u = callStats(pick(single));
      if (c === "overall") {
        consoleErrors = l.errors + u.errors;
        consoleFivexx = l.fivexx + u.fivexx;
      }
      console.log(`  ${c.padEnd(11)} ${String(l.n).padStart(6)} ${l.p50.toFixed(1).padStart(7)} ${l.p95.toFixed(1).padStart(7)} ${l.p99.toFixed(1).padStart(7)} ${String(l.errors).padStart(6)}   ${u.p95.toFixed(1).padStart(10)}  ${ratio(l.p95, u.p95).toFixed(2)}`);
    }
    console.log(`  console errors: ${consoleErrors} (5xx: ${consoleFivexx}), target 0`);

    const p99Ratio = ratio(med(r, (x) => x.p99Ms), med(n, (x) => x.p99Ms));
    const pass = rErrors === 0 && consoleFivexx === 0 && p99Ratio <= TARGET_P99_RATIO;
    console.log(
      `load bench: ${pass ? "PASS" : "FAIL"} (router errors of its own ${rErrors} = 0, router p99 ${p99Ratio.toFixed(2)}× nginx's <= ${TARGET_P99_RATIO}, console 5xx ${consoleFivexx} = 0; console errors ${consoleErrors}, churn failures ${churnFailures})`,
    );
    if (!pass) process.exitCode = 1;
  } finally {
    await platform.stop();
  }
}
