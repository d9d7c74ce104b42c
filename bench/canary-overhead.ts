// What the router's own telemetry costs: the same route with a canary at 50%
// (so every request is measured, on both arms), served by three routers
// started the same way except for it: everything on (rollout metrics,
// Prometheus counters, runtime logs: a line per request, traces of every
// request exported over OTLP to a receiver in this process that counts and
// discards them), metrics only (RUNTIME_LOGS=off, no tracing), and
// everything off, in alternating wrk rounds.
// Targets: metrics only / off ≥ 0.97 (the canary's own recording), and
// everything on / off ≥ 0.95 (issue 20).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { namedCpuMs, onCleanup, sleep, treeCpuMs } from "@/bench/lib/proc";
import { deployFiles, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { median } from "@/bench/lib/stats";
import { ensureWrk, runWrk } from "@/bench/lib/wrk";
import { notifyRouteChanged } from "@/lib/routes/lock-route";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TARGET_METRICS = 0.97;
const TARGET_ALL = 0.95;
type Mode = "all" | "metrics" | "off";

// An OTLP/HTTP endpoint that takes every batch (200) and counts its spans.
async function otlpSink() {
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const text = req.headers["content-encoding"] === "gzip" ? gunzipSync(body).toString() : body.toString();
      spans += (text.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans: () => spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function canaryOverheadBench() {
  ensureWrk();
  const platform = await startPlatform();
  const unregister = onCleanup(() => platform.stop());
  try {
    const project = await seedProject(platform, "overhead");
    const body = "x".repeat(1024);
    const base = await deployFiles(platform, project, { "index.html": `${body}\nbase` });
    const canary = await deployFiles(platform, project, { "index.html": `${body}\ncanary` });
    await platform.db.$transaction(async (tx) => {
      const route = await tx.route.update({
        where: { name: project.slug },
        data: { liveDeploymentId: base.id, canaryDeploymentId: canary.id, canaryWeight: 50, version: { increment: 1 } },
      });
      await notifyRouteChanged(tx, route.name);
    });
    const otlp = await otlpSink();
    const routers: Record<Mode, Awaited<ReturnType<typeof startRouterProcess>>> = {
      all: await startRouterProcess(platform, 2, 60_000, { ROUTER_METRICS: "on", RUNTIME_LOGS: "on", OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, TRACE_SAMPLE_RATIO: "1" }),
      metrics: await startRouterProcess(platform, 2, 60_000, { ROUTER_METRICS: "on", RUNTIME_LOGS: "off" }),
      off: await startRouterProcess(platform, 2, 60_000, { ROUTER_METRICS: "off", RUNTIME_LOGS: "off" }),
    };
    const rps: Record<Mode, number[]> = { all: [], metrics: [], off: [] };
    // CPU per request of the routers and of Postgres (the log store here, on the same two cores).
    const cpu: Record<Mode, { router: number[]; postgres: number[] }> = { all: { router: [], postgres: [] }, metrics: { router: [], postgres: [] }, off: { router: [], postgres: [] } };
    const routerCpu = (mode: Mode) => routers[mode].workerPids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
    const modes: Mode[] = ["all", "metrics", "off"];
    console.log(`  canary at 50%, 1 KB page; wrk -t2 -c64 -d${SECONDS}s, ${RUNS} rounds, order rotated each round`);
    for (let round = 0; round < RUNS; round++) {
      const order = [...modes.slice(round % 3), ...modes.slice(0, round % 3)];
      for (const mode of order) {
        const [router0, pg0] = [routerCpu(mode), namedCpuMs("postgres")];
        const r = await runWrk({ url: `http://127.0.0.1:${routers[mode].port}/`, headers: { Host: project.host }, threads: 2, connections: 64, seconds: SECONDS });
        await sleep(500); // the last batch of log lines
        if (r.non2xx3xx > 0) throw new Error(`telemetry ${mode}: ${r.non2xx3xx} non-2xx answers`);
        rps[mode].push(r.requestsPerSec);
        const usPerRequest = (ms: number) => (ms * 1000) / Math.max(1, r.requests);
        cpu[mode].router.push(usPerRequest(routerCpu(mode) - router0));
        cpu[mode].postgres.push(usPerRequest(namedCpuMs("postgres") - pg0));
        console.log(
          `  round ${round + 1} ${mode.padEnd(7)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, CPU per request: router ${cpu[mode].router.at(-1)!.toFixed(2)} µs, Postgres ${cpu[mode].postgres.at(-1)!.toFixed(2)} µs`,
        );
      }
    }
    const rows = await platform.db.metricBucket.aggregate({ where: { deploymentId: { in: [base.id, canary.id] } }, _sum: { requests: true }, _count: true });
    await Promise.all(modes.map((m) => routers[m].stop()));
    await otlp.close();
    console.log(`  spans received over OTLP (everything on): ${otlp.spans()}`);
    console.log(`  metric rows written: ${rows._count} (${rows._sum.requests ?? 0} requests recorded), never one per request`);
    // Only the "all" routers write request lines; each request they answered should have one (none dropped).
    const allRequests = rps.all.reduce((n, r) => n + r, 0) * SECONDS;
    const logLines = await platform.db.logLine.count({ where: { deploymentId: { in: [base.id, canary.id] }, source: "request" } });
    console.log(`  runtime log lines written (everything on): ${logLines}, for about ${allRequests.toFixed(0)} requests measured plus warm-up`);
    for (const m of modes) console.log(`  ${m.padEnd(7)} median CPU per request: router ${median(cpu[m].router).toFixed(2)} µs, Postgres ${median(cpu[m].postgres).toFixed(2)} µs`);
    console.log(`  the routers' own cost of everything on / off, in CPU per request: ${(median(cpu.all.router) / median(cpu.off.router)).toFixed(3)} (the rest of the gap is Postgres writing the lines, on the same cores)`);
    const verdict = (r: number, t: number) => `${r.toFixed(3)}  (target >= ${t})  ${r >= t ? "PASS" : "FAIL"}`;
    console.log(`metrics only / off, median requests/s: ${median(rps.metrics).toFixed(0)} / ${median(rps.off).toFixed(0)} = ${verdict(median(rps.metrics) / median(rps.off), TARGET_METRICS)}`);
    console.log(`everything on / off, median requests/s: ${median(rps.all).toFixed(0)} / ${median(rps.off).toFixed(0)} = ${verdict(median(rps.all) / median(rps.off), TARGET_ALL)}`);
  } finally {
    unregister();
    await platform.stop();
  }
}
