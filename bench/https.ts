// HTTPS of the edge router against nginx with the same certificate, in the
// same run (issue 19): a 1 KB file over keep-alive connections (TLS record
// cost), and over a new connection per request (`Connection: close`: a full
// TLS handshake each time, no session resumption on either side), plus the
// router's plain HTTP on the same file, so the TLS cost is seen apart. The
// router runs as the platform runs it (two Bun processes, reusePort) with the
// certificate stored in Postgres like an issued one, runtime logs off; nginx
// with two workers and no access log.
// Medians of BENCH_RUNS rounds, the order alternating; ratios router/nginx.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startNginx } from "@/bench/lib/nginx";
import { ensurePrograms, onCleanup, treeCpuMs } from "@/bench/lib/proc";
import { deployFiles, type RouterProcess, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { median, ratio } from "@/bench/lib/stats";
import { runWrk, type WrkResult } from "@/bench/lib/wrk";
import { freePort } from "@/lib/platform/free-port";
import { presentedFingerprint } from "@/lib/testing/tls-probe";
import { parseSecretKey } from "@/lib/secrets/keyring";
import { seal, sealedKeyId } from "@/lib/secrets/seal";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_WRK_CONNECTIONS ?? 64);
const WORKERS = 2;

type Mode = { name: string; scheme: "https" | "http"; close: boolean };
const MODES: Mode[] = [
  { name: "keep-alive", scheme: "https", close: false },
  { name: "new connection each", scheme: "https", close: true },
];

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`https bench: ${message}`);
}

async function load(port: number, host: string, mode: Mode, pids: number[], seconds: number): Promise<WrkResult & { cpuUs: number }> {
  const cpu = () => pids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
  const before = cpu();
  const r = await runWrk({
    url: `${mode.scheme}://127.0.0.1:${port}/1k.txt`,
    headers: { Host: host, ...(mode.close ? { Connection: "close" } : {}) },
    threads: 2,
    connections: mode.close ? 16 : CONNECTIONS,
    seconds,
  });
  check(r.non2xx3xx === 0, `${r.non2xx3xx} non-2xx answers of ${r.requests} (${mode.name}, port ${port})`);
  return { ...r, cpuUs: ((cpu() - before) * 1000) / Math.max(1, r.requests) };
}

export async function httpsBench() {
  ensurePrograms([
    { program: "wrk", aptPackage: "wrk" },
    { program: "nginx", aptPackage: "nginx" },
    { program: "openssl", aptPackage: "openssl" },
  ]);
  const cleanups: (() => Promise<void>)[] = [];
  let router: RouterProcess | undefined;
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), "bench-https-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const body = randomBytes(1024);
    await writeFile(path.join(dir, "1k.txt"), body);

    const platform = await startPlatform();
    cleanups.push(platform.stop);
    const project = await seedProject(platform, "https");
    await deployFiles(platform, project, { "1k.txt": body });
    // One certificate for the project's name (P-256, as ACME orders are made), stored like an issued one.
    const [cert, key] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${project.host}`,
      "-addext", `subjectAltName=DNS:${project.host}`, "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    const keyEnc = seal(parseSecretKey(platform.secretKey), await readFile(key, "utf8"));
    await platform.db.certificate.create({
      data: { hostname: project.host, state: "issued", certPem: await readFile(cert, "utf8"), keyEnc, keyId: sealedKeyId(keyEnc)!, names: [project.host] },
    });

    const httpsPort = await freePort();
    // Runtime logs off, as nginx's access log is (bench/lib/nginx.ts): the same work on both sides.
    router = await startRouterProcess(platform, WORKERS, 60_000, { ROUTER_HTTPS_PORT: String(httpsPort), RUNTIME_LOGS: "off" });
    cleanups.push(router.stop);
    const nginx = await startNginx(dir, WORKERS, undefined, { cert, key });
    cleanups.push(nginx.stop);
    // Both present the same certificate for the name.
    const expected = await presentedFingerprint(nginx.port, project.host);
    check(expected !== null, "nginx presented no certificate");
    const deadline = Date.now() + 20_000;
    while ((await presentedFingerprint(httpsPort, project.host)) !== expected) {
      check(Date.now() < deadline, "the router did not serve the certificate within 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`  router (2 processes) https :${httpsPort}, http :${router.port}; nginx (2 workers) https :${nginx.port}; the same P-256 certificate; wrk -t2, ${RUNS} rounds of ${SECONDS} s`);

    const servers = [
      { name: "router", port: httpsPort, pids: router.workerPids },
      { name: "nginx", port: nginx.port, pids: [nginx.pid] },
    ];
    const results = new Map<string, (WrkResult & { cpuUs: number })[]>();
    const add = (k: string, r: WrkResult & { cpuUs: number }) => results.set(k, [...(results.get(k) ?? []), r]);
    for (const mode of MODES) for (const s of servers) await load(s.port, project.host, mode, s.pids, 2); // warm-up
    for (let i = 0; i < RUNS; i++) {
      for (const mode of MODES) {
        const order = i % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          const r = await load(s.port, project.host, mode, s.pids, SECONDS);
          add(`${s.name} ${mode.name}`, r);
          console.log(`  round ${i + 1} ${s.name.padEnd(6)} ${mode.name.padEnd(19)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, CPU ${r.cpuUs.toFixed(0)} µs/request`);
        }
      }
      const plain = await load(router.port, project.host, { name: "plain HTTP", scheme: "http", close: false }, router.workerPids, SECONDS);
      add("router plain", plain);
      console.log(`  round ${i + 1} router plain HTTP keep-alive   ${plain.requestsPerSec.toFixed(0).padStart(7)} req/s`);
    }
    const rps = (k: string) => median(results.get(k)!.map((r) => r.requestsPerSec));
    const cpu = (k: string) => median(results.get(k)!.map((r) => r.cpuUs));
    const p99 = (k: string) => median(results.get(k)!.map((r) => r.p99Ms));
    console.log(`\nHTTPS, router vs nginx, medians of ${RUNS} rounds`);
    for (const mode of MODES) {
      const [a, b] = [`router ${mode.name}`, `nginx ${mode.name}`];
      console.log(
        `  ${mode.name.padEnd(19)} router ${rps(a).toFixed(0).padStart(7)} req/s (p99 ${p99(a).toFixed(2)} ms)  nginx ${rps(b).toFixed(0).padStart(7)} req/s (p99 ${p99(b).toFixed(2)} ms)  ratio ${ratio(rps(a), rps(b)).toFixed(2)}`,
      );
    }
    // A handshake's CPU: a request on a new connection less one on a kept-alive connection.
    const handshake = (s: string) => cpu(`${s} new connection each`) - cpu(`${s} keep-alive`);
    console.log(`  handshake cost (CPU per new-connection request less per keep-alive request): router ${handshake("router").toFixed(0)} µs, nginx ${handshake("nginx").toFixed(0)} µs`);
    console.log(`  TLS on the router's keep-alive throughput: ${rps("router keep-alive").toFixed(0)} HTTPS vs ${rps("router plain").toFixed(0)} plain HTTP req/s (${ratio(rps("router keep-alive"), rps("router plain")).toFixed(2)})`);
  } catch (e) {
    if (router) console.error(`router output (last 4 KB):\n${router.output().slice(-4096)}`);
    throw e;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  }
}
