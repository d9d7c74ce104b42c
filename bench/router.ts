// Edge router throughput and latency against nginx and Caddy, in the same
// run, on the same two files (neither writes an access log: the router runs
// with RUNTIME_LOGS=off, nginx with access_log off): a 1 KB text file and a 100 KB binary one (no
// compression: wrk sends no Accept-Encoding, and octet-stream is never
// compressed). The router runs as the platform runs it (lib/router/main.ts on
// Bun, two processes sharing the port by reusePort); nginx with
// worker_processes 2, sendfile and open_file_cache; Caddy (Debian's package,
// the peers' proxy) with file_server. Rounds alternate the servers (order
// swapped each round) with the same wrk settings; medians and the router's
// ratios to both are printed.
// Targets (issue 17), against nginx: req/s ratio >= 0.9 and p99 latency ratio <= 1.5, for each file.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCaddy } from "@/bench/lib/caddy";
import { startNginx } from "@/bench/lib/nginx";
import { ensurePrograms, onCleanup, treeCpuMs } from "@/bench/lib/proc";
import { deployFiles, type Platform, request, type RouterProcess, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { median, ratio } from "@/bench/lib/stats";
import { runWrk, type WrkResult } from "@/bench/lib/wrk";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const THREADS = Number(process.env.BENCH_WRK_THREADS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_WRK_CONNECTIONS ?? 64);
const WORKERS = 2;

const TARGET_RPS_RATIO = 0.9;
const TARGET_P99_RATIO = 1.5;

// 1024 printable ASCII bytes that do not repeat in any short pattern.
function printable(n: number): Buffer {
  const raw = randomBytes(n);
  for (let i = 0; i < n; i++) raw[i] = 0x21 + (raw[i] % 94);
  return raw;
}

type Server = { name: "router" | "nginx" | "caddy"; pids: number[]; port: number; host: string };
type Run = WrkResult & { cpuUsPerRequest: number };

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`router bench: ${message}`);
}

async function verify(server: Server, file: string, bytes: Buffer, deployment?: { id: string; sha: string }) {
  const r = await request(server.port, server.host, `/${file}`);
  check(r.status === 200, `${server.name} answered ${r.status} for /${file}: ${r.body.toString().slice(0, 300)}`);
  check(r.body.equals(bytes), `${server.name} served ${r.body.length} bytes for /${file} that are not the file's ${bytes.length}`);
  check(r.headers["content-encoding"] === undefined, `${server.name} compressed /${file} without Accept-Encoding`);
  if (deployment) {
    check(r.headers["x-slipway-deployment"] === deployment.id, `/${file}: x-slipway-deployment is ${r.headers["x-slipway-deployment"]}, expected ${deployment.id}`);
    check(r.headers["x-slipway-sha"] === deployment.sha, `/${file}: x-slipway-sha is ${r.headers["x-slipway-sha"]}, expected ${deployment.sha}`);
  }
}

async function load(server: Server, file: string, seconds: number): Promise<Run> {
  const cpuNow = () => server.pids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
  const cpu0 = cpuNow();
  const r = await runWrk({
    url: `http://127.0.0.1:${server.port}/${file}`,
    headers: { Host: server.host },
    threads: THREADS,
    connections: CONNECTIONS,
    seconds,
  });
  const cpuMs = cpuNow() - cpu0;
  const errors = Object.values(r.socketErrors).reduce((a, b) => a + b, 0);
  check(r.non2xx3xx === 0, `${server.name} answered ${r.non2xx3xx} non-2xx/3xx responses of ${r.requests} for /${file}`);
  if (errors > 0) console.log(`    (${server.name} /${file}: socket errors ${JSON.stringify(r.socketErrors)})`);
  return { ...r, cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, r.requests) };
}

const fmt = (r: Run) =>
  `${r.requestsPerSec.toFixed(0).padStart(7)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2).padStart(7)} ms, CPU ${r.cpuUsPerRequest.toFixed(1).padStart(5)} µs/request`;

export async function routerBench() {
  // One apt-get run for both on a machine that has neither.
  ensurePrograms([
    { program: "wrk", aptPackage: "wrk" },
    { program: "nginx", aptPackage: "nginx" },
    { program: "caddy", aptPackage: "caddy" },
  ]);
  const files: Record<string, Buffer> = { "1k.txt": printable(1024), "100k.bin": randomBytes(102_400) };
  const cleanups: (() => Promise<void>)[] = [];
  let router: RouterProcess | undefined;
  try {
    const www = await mkdtemp(path.join(os.tmpdir(), "bench-www-"));
    const removeWww = () => rm(www, { recursive: true, force: true });
    onCleanup(removeWww);
    cleanups.push(removeWww);
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(www, name), bytes);

    const nginx = await startNginx(www, WORKERS);
    cleanups.push(nginx.stop);
    const caddy = await startCaddy(www);
    cleanups.push(caddy.stop);

    const platform: Platform = await startPlatform();
    cleanups.push(platform.stop);
    const project = await seedProject(platform, "bench");
    const deployment = await deployFiles(platform, project, files);
    // Without runtime logs, as nginx here writes no access log: this compares the serving
    // cores; what the logs cost (Postgres on the same two cores) is canary-overhead's figure.
    router = await startRouterProcess(platform, WORKERS, 60_000, { RUNTIME_LOGS: "off" });
    cleanups.push(router.stop);
    console.log(`  router pids ${router.workerPids.join(", ")} on :${router.port}; nginx on :${nginx.port}; caddy on :${caddy.port}; deployment ${deployment.id}`);

    const servers: Server[] = [
      { name: "router", pids: router.workerPids, port: router.port, host: project.host },
      { name: "nginx", pids: [nginx.pid], port: nginx.port, host: project.host },
      { name: "caddy", pids: [caddy.pid], port: caddy.port, host: project.host },
    ];
    for (const [name, bytes] of Object.entries(files)) {
      await verify(servers[0], name, bytes, deployment);
      await verify(servers[1], name, bytes);
      await verify(servers[2], name, bytes);
    }
    console.log(`  ${servers.map((x) => x.name).join(", ")} serve the same bytes; wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency, ${RUNS} rounds, ${WARMUP_SECONDS}s warm-up each`);

    const summary: { file: string; results: Record<Server["name"], Run[]> }[] = [];
    for (const file of Object.keys(files)) {
      for (const s of servers) await load(s, file, WARMUP_SECONDS);
      const results: Record<Server["name"], Run[]> = { router: [], nginx: [], caddy: [] };
      for (let i = 0; i < RUNS; i++) {
        // A different order each round, so that drift of the machine does not favour one server.
        const order = i % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          const r = await load(s, file, SECONDS);
          results[s.name].push(r);
          console.log(`  ${file.padEnd(8)} round ${i + 1} ${s.name.padEnd(6)} ${fmt(r)}`);
        }
      }
      summary.push({ file, results });
    }

    const failures = router.output().split("\n").filter((l) => /fail|error/i.test(l));
    if (failures.length > 0) console.log(`  router logged ${failures.length} failure line(s), e.g. ${failures[0]}`);

    console.log(`\nrouter vs nginx and Caddy, median of ${RUNS} rounds (router and nginx ${WORKERS} processes; Caddy one, on every core)`);
    let pass = true;
    for (const { file, results } of summary) {
      const rps = (n: Server["name"]) => median(results[n].map((r) => r.requestsPerSec));
      const p99 = (n: Server["name"]) => median(results[n].map((r) => r.p99Ms));
      const cpu = (n: Server["name"]) => median(results[n].map((r) => r.cpuUsPerRequest));
      const rpsRatio = ratio(rps("router"), rps("nginx"));
      const p99Ratio = ratio(p99("router"), p99("nginx"));
      const verdict = (ok: boolean) => {
        pass &&= ok;
        return ok ? "PASS" : "FAIL";
      };
      console.log(`  ${file.padEnd(8)} req/s  router ${rps("router").toFixed(0).padStart(7)}  nginx ${rps("nginx").toFixed(0).padStart(7)}     ratio ${rpsRatio.toFixed(2)}  (target >= ${TARGET_RPS_RATIO})  ${verdict(rpsRatio >= TARGET_RPS_RATIO)}`);
      console.log(`  ${file.padEnd(8)} p99    router ${p99("router").toFixed(2).padStart(7)}  nginx ${p99("nginx").toFixed(2).padStart(7)} ms  ratio ${p99Ratio.toFixed(2)}  (target <= ${TARGET_P99_RATIO})     ${verdict(p99Ratio <= TARGET_P99_RATIO)}`);
      console.log(`  ${file.padEnd(8)} CPU    router ${cpu("router").toFixed(1).padStart(7)}  nginx ${cpu("nginx").toFixed(1).padStart(7)} µs/request  ratio ${ratio(cpu("router"), cpu("nginx")).toFixed(2)}  (context: steadier than req/s on a busy machine)`);
      console.log(
        `  ${file.padEnd(8)} Caddy  ${rps("caddy").toFixed(0)} req/s, p99 ${p99("caddy").toFixed(2)} ms, CPU ${cpu("caddy").toFixed(1)} µs/request; ` +
          `router/Caddy req/s ${ratio(rps("router"), rps("caddy")).toFixed(2)}, p99 ${ratio(p99("router"), p99("caddy")).toFixed(2)}`,
      );
    }
    console.log(`router bench: ${pass ? "PASS" : "FAIL"}`);
  } catch (e) {
    if (router) console.error(`router output (last 4 KB):\n${router.output().slice(-4096)}`);
    throw e;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  }
}
