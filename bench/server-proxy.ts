// What the router costs in front of a server app (issue 18): requests/s of
// GET / of the Express example (examples/express-api, installed from the npm
// registry and built by the real build job), served by its instance in the
// sandbox through the router (two Bun processes), against nginx proxy_pass to
// the same instance's socket (two workers, keep-alive upstream) and against
// the same app hit directly (a copy of the bundle outside the sandbox on a TCP
// port). wrk -t2 -c32, BENCH_SERVER_PROXY_ROUNDS rounds in rotating order, medians.
// Target: router >= 0.8x nginx.
import path from "node:path";
import { spawnGroup, sleep } from "@/bench/lib/proc";
import { startNginx } from "@/bench/lib/nginx";
import { deployDirectory, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { startRuntime } from "@/bench/lib/runtime-fixture";
import { median, ratio } from "@/bench/lib/stats";
import { runWrk, type WrkResult } from "@/bench/lib/wrk";
import { freePort } from "@/lib/platform/free-port";
import { NODE_BINARY } from "@/lib/platform/runtimes";
import { waitForHttp } from "@/lib/platform/supervisor";
import { bundleDirName } from "@/lib/router/functions/materialize";

const ROUNDS = Number(process.env.BENCH_SERVER_PROXY_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SERVER_PROXY_SECONDS ?? 5);
const CONNECTIONS = 32;
// Router processes and nginx workers (the same number each).
const WORKERS = Number(process.env.BENCH_SERVER_PROXY_WORKERS ?? 2);
const TARGET = 0.8;
const ROOT = path.resolve(import.meta.dirname, "..");

export async function serverProxyBench() {
  const p = await startPlatform();
  const { stop: stopRuntime } = await startRuntime(p);
  const stops: (() => Promise<void>)[] = [];
  try {
    const project = await seedProject(p, "server-proxy");
    const deployed = await deployDirectory(p, project, path.join(ROOT, "examples/express-api"));
    const instance = await p.db.runtimeInstance.findFirstOrThrow({ where: { deploymentId: deployed.id, state: "ready" } });
    const router = await startRouterProcess(p, WORKERS);
    stops.push(router.stop);
    const nginx = await startNginx(p.dataDir, WORKERS, instance.socketPath!);
    stops.push(nginx.stop);
    // The same bundle, run directly on a TCP port (no sandbox, no preload).
    const bundle = await p.db.deployment.findUniqueOrThrow({ where: { id: deployed.id }, select: { bundleDigest: true } });
    const directPort = await freePort();
    const direct = spawnGroup(NODE_BINARY, ["server.js"], {
      cwd: path.join(p.dataDir, "runtime", "bundles", bundleDirName(bundle.bundleDigest!)),
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PORT: String(directPort) },
    });
    stops.push(() => direct.stop("SIGTERM", 3000));
    await waitForHttp(`http://127.0.0.1:${directPort}/healthz`, 20_000, () => true);

    const targets = [
      { name: "direct", port: directPort, host: "localhost" },
      { name: "nginx", port: nginx.port, host: "localhost" },
      { name: "router", port: router.port, host: project.host },
    ] as const;
    const results: Record<string, WrkResult[]> = { direct: [], nginx: [], router: [] };
    let failures = 0;
    console.log(`  GET / of examples/express-api, wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds`);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + round) % targets.length];
        // A second of warm-up (keep-alive connections, the JIT), then the measured run.
        await runWrk({ url: `http://127.0.0.1:${t.port}/`, threads: 2, connections: CONNECTIONS, seconds: 1, headers: { Host: t.host } });
        // wrk's own Host header is replaced only by one spelled "Host".
        const r = await runWrk({ url: `http://127.0.0.1:${t.port}/`, threads: 2, connections: CONNECTIONS, seconds: SECONDS, headers: { Host: t.host } });
        if (r.non2xx3xx > 0 || r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout > 0) {
          console.log(`  ${t.name}: ${r.non2xx3xx} answers not 2xx/3xx, socket errors ${JSON.stringify(r.socketErrors)}`);
          failures++;
        }
        results[t.name].push(r);
        await sleep(500);
      }
    }
    const rps = (n: string) => median(results[n].map((r) => r.requestsPerSec));
    const p99 = (n: string) => median(results[n].map((r) => r.p99Ms));
    for (const t of targets) console.log(`  ${t.name.padEnd(7)} ${rps(t.name).toFixed(0).padStart(7)} req/s  p99 ${p99(t.name).toFixed(2)} ms`);
    const vsNginx = ratio(rps("router"), rps("nginx"));
    console.log(`  router / nginx proxy_pass: ${vsNginx.toFixed(2)}  (target >= ${TARGET})  ${vsNginx >= TARGET ? "PASS" : "FAIL"}`);
    console.log(`  router / direct:           ${ratio(rps("router"), rps("direct")).toFixed(2)}   nginx / direct: ${ratio(rps("nginx"), rps("direct")).toFixed(2)}`);
    if (vsNginx < TARGET || failures > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await stopRuntime();
    await p.stop();
  }
}
