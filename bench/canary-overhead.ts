// What recording rollout metrics costs the router: the same route with a
// canary at 50% (so every request is measured, on both arms), served by two
// routers started the same way except ROUTER_METRICS=on / off, in alternating
// wrk rounds. Target: on / off requests/s ≥ 0.97 (≤ 3% cost).
import { onCleanup } from "@/bench/lib/proc";
import { deployFiles, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { median } from "@/bench/lib/stats";
import { ensureWrk, runWrk } from "@/bench/lib/wrk";
import { notifyRouteChanged } from "@/lib/routes/lock-route";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TARGET = 0.97;

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
    const routers = {
      on: await startRouterProcess(platform, 2, 60_000, { ROUTER_METRICS: "on" }),
      off: await startRouterProcess(platform, 2, 60_000, { ROUTER_METRICS: "off" }),
    };
    const rps: Record<"on" | "off", number[]> = { on: [], off: [] };
    console.log(`  canary at 50%, 1 KB page; wrk -t2 -c64 -d${SECONDS}s, ${RUNS} rounds alternating`);
    for (let round = 0; round < RUNS; round++) {
      const order: ("on" | "off")[] = round % 2 ? ["off", "on"] : ["on", "off"];
      for (const mode of order) {
        const r = await runWrk({ url: `http://127.0.0.1:${routers[mode].port}/`, headers: { Host: project.host }, threads: 2, connections: 64, seconds: SECONDS });
        if (r.non2xx3xx > 0) throw new Error(`metrics ${mode}: ${r.non2xx3xx} non-2xx answers`);
        rps[mode].push(r.requestsPerSec);
        console.log(`  round ${round + 1} metrics ${mode.padEnd(3)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s, p99 ${r.p99Ms.toFixed(2)} ms`);
      }
    }
    const rows = await platform.db.metricBucket.aggregate({ where: { deploymentId: { in: [base.id, canary.id] } }, _sum: { requests: true }, _count: true });
    await Promise.all([routers.on.stop(), routers.off.stop()]);
    const ratio = median(rps.on) / median(rps.off);
    console.log(`  metric rows written: ${rows._count} (${rows._sum.requests ?? 0} requests recorded), never one per request`);
    console.log(`metrics on / off, median requests/s: ${median(rps.on).toFixed(0)} / ${median(rps.off).toFixed(0)} = ${ratio.toFixed(3)}  (target >= ${TARGET})  ${ratio >= TARGET ? "PASS" : "FAIL"}`);
  } finally {
    unregister();
    await platform.stop();
  }
}
