// Flip propagation: how long after a promote returns can the router still
// answer from the old deployment, and is every answer whole (headers and body
// from one deployment)? Two deployments A and B of one project; the real
// router (lib/router/main.ts on Bun, two processes sharing the port) under
// background load from wrk; a probe of several keep-alive clients requesting
// `/` back to back, each on one connection of its own, spread over both router
// processes (checked from /proc). Then BENCH_PROMOTES promotes alternating
// A/B, paced by observation: after each promote returns, the next waits until
// every probe client has had an answer from the new deployment to a request
// sent after the return (so both router processes have flipped), plus
// BENCH_FLIP_GAP_MS so a late old answer would still be seen.
//
// Flip latency of one promote = send time of the last probe request sent
// after the promote call returned that was still answered by the old
// deployment, minus the return time (0 if none). The same with receive times
// is printed as an upper bound. Targets: p99 <= 100 ms, 0 mixed answers, 0 5xx.
import http from "node:http";
import { onCleanup, sleep } from "@/bench/lib/proc";
import { connectionOwners, deployFiles, type Deployed, type Platform, type RouterProcess, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { median, percentile } from "@/bench/lib/stats";
import { ensureWrk, startWrk, type WrkResult } from "@/bench/lib/wrk";
import { promoteDeployment } from "@/lib/routes/promote-deployment";

const PROMOTES = Number(process.env.BENCH_PROMOTES ?? 1000);
const PROBES = Number(process.env.BENCH_PROBES ?? 8);
const GAP_MS = Number(process.env.BENCH_FLIP_GAP_MS ?? 20);
const OBSERVE_TIMEOUT_MS = Number(process.env.BENCH_FLIP_TIMEOUT_MS ?? 5000);
const LOAD_CONNECTIONS = Number(process.env.BENCH_FLIP_LOAD_CONNECTIONS ?? 16);
const WORKERS = 2;
const TARGET_P99_MS = 100;

const page = (v: string) => `<!doctype html>\n<title>flip</title>\n<p>version ${v}</p>\n`;
const MARKER = /version ([AB])/;

// One probe answer. version: 0 = A, 1 = B, -1 = neither / unreadable.
type Sample = { client: number; send: number; recv: number; status: number; version: number; mixed: boolean };

class Probe {
  readonly samples: Sample[] = [];
  errors = 0;
  reconnects = 0;
  private stopped = false;
  private agents: http.Agent[] = [];
  private localPorts: (number | undefined)[] = [];
  private loops: Promise<void>[] = [];
  private waiter: { since: number; version: number; seen: Set<number>; resolve: () => void } | null = null;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly deployments: Deployed[],
    private readonly clients: number,
  ) {}

  start() {
    this.stopped = false;
    this.agents = Array.from({ length: this.clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    this.localPorts = new Array(this.clients).fill(undefined);
    this.loops = this.agents.map((_, k) => this.loop(k));
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const a of this.agents) a.destroy();
  }

  ports(): (number | undefined)[] {
    return [...this.localPorts];
  }

  /** Resolves when every client has had an answer of `version` to a request sent at or after `since`; false on timeout. */
  observed(since: number, version: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(false);
      }, timeoutMs);
      this.waiter = {
        since,
        version,
        seen: new Set(),
        resolve: () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve(true);
        },
      };
    });
  }

  private versionOf(id: unknown): number {
    return this.deployments.findIndex((d) => d.id === id);
  }

  private record(s: Sample) {
    this.samples.push(s);
    const w = this.waiter;
    if (w && s.version === w.version && s.send >= w.since) {
      w.seen.add(s.client);
      if (w.seen.size === this.clients) w.resolve();
    }
  }

  private once(k: number): Promise<void> {
    return new Promise((resolve) => {
      const send = performance.now();
      const req = http.request({ host: "127.0.0.1", port: this.port, path: "/", headers: { host: this.host }, agent: this.agents[k] }, (res) => {
        const chunks: Buffer[] = [];
        // Read now: once the answer ends, the socket goes back to the agent.
        const lp = res.socket?.localPort;
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const recv = performance.now();
          if (lp !== undefined && this.localPorts[k] !== lp) {
            if (this.localPorts[k] !== undefined) this.reconnects++;
            this.localPorts[k] = lp;
          }
          const status = res.statusCode ?? 0;
          const header = this.versionOf(res.headers["x-slipway-deployment"]);
          const m = MARKER.exec(Buffer.concat(chunks).toString());
          const body = m ? (m[1] === "A" ? 0 : 1) : -1;
          // Whole: the body's marker, x-slipway-deployment and x-slipway-sha all name one deployment.
          const mixed = status === 200 && (header === -1 || body !== header || res.headers["x-slipway-sha"] !== this.deployments[header].sha);
          this.record({ client: k, send, recv, status, version: status === 200 ? body : header, mixed });
          resolve();
        });
        res.on("error", () => {
          this.errors++;
          resolve();
        });
      });
      req.on("error", () => {
        this.errors++;
        // Let a refused or reset connection not spin the loop.
        setTimeout(resolve, 5);
      });
      req.end();
    });
  }

  private async loop(k: number) {
    while (!this.stopped) await this.once(k);
  }
}

type FlipRecord = { start: number; returned: number; target: number; observed: boolean };

function analyse(samples: Sample[], flips: FlipRecord[], endTime: number) {
  const returned = flips.map((f) => f.returned);
  const sendLag = new Array<number>(flips.length).fill(0);
  const recvLag = new Array<number>(flips.length).fill(0);
  for (const s of samples) {
    // The last promote that had returned when this request was sent.
    let lo = 0;
    let hi = flips.length - 1;
    let j = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (returned[mid] <= s.send) {
        j = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (j === -1) continue;
    // Only until the next promote call starts (while it runs, either answer is right).
    const windowEnd = j + 1 < flips.length ? flips[j + 1].start : endTime;
    if (s.send >= windowEnd) continue;
    const old = 1 - flips[j].target;
    if (s.version === old) {
      sendLag[j] = Math.max(sendLag[j], s.send - returned[j]);
      recvLag[j] = Math.max(recvLag[j], s.recv - returned[j]);
    }
  }
  return { sendLag, recvLag };
}

const stats = (xs: number[]) =>
  `p50 ${percentile(xs, 50).toFixed(1)}  p95 ${percentile(xs, 95).toFixed(1)}  p99 ${percentile(xs, 99).toFixed(1)}  max ${Math.max(...xs).toFixed(1)} ms`;

export async function flipBench() {
  ensureWrk();
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const platform: Platform = await startPlatform();
    cleanups.push(platform.stop);
    const project = await seedProject(platform, "flip");
    const a = await deployFiles(platform, project, { "index.html": page("A") });
    const b = await deployFiles(platform, project, { "index.html": page("B") });
    const deployments = [a, b];
    const router: RouterProcess = await startRouterProcess(platform, WORKERS);
    cleanups.push(router.stop);
    console.log(`  router pids ${router.workerPids.join(", ")} on :${router.port}; A = ${a.id}, B = ${b.id} (live)`);

    // Background load on the same route for the whole run.
    const wrk = startWrk({
      url: `http://127.0.0.1:${router.port}/`,
      headers: { Host: project.host },
      threads: 1,
      connections: LOAD_CONNECTIONS,
      seconds: 3600,
    });
    let wrkFinished: Promise<WrkResult | null> | null = null;
    const finishWrk = () => (wrkFinished ??= wrk.finish());
    cleanups.push(finishWrk);
    onCleanup(() => wrk.group.stop("SIGKILL"));

    // The probe, on connections spread over both router processes.
    let probe: Probe | undefined;
    let spread = "";
    for (let attempt = 1; ; attempt++) {
      probe = new Probe(router.port, project.host, deployments, PROBES);
      probe.start();
      const ok = await probe.observed(performance.now(), 1, 5000);
      if (!ok) {
        await probe.stop();
        throw new Error(`flip bench: the probe did not get B from every client within 5 s (${probe.samples.length} answers, ${probe.errors} errors, statuses ${[...new Set(probe.samples.map((s) => s.status))].join(",")}); router output:\n${router.output()}`);
      }
      const ports = probe.ports().filter((p): p is number => p !== undefined);
      const owners = await connectionOwners(router.workerPids, router.port, ports);
      const perPid = router.workerPids.map((pid) => [...owners.values()].filter((o) => o === pid).length);
      spread = `probe connections per router process: ${router.workerPids.map((pid, i) => `${pid}: ${perPid[i]}`).join(", ")} (${ports.length - owners.size} unknown)`;
      if (perPid.every((n) => n > 0)) break;
      await probe.stop();
      if (attempt === 5) throw new Error(`flip bench: could not spread the probe's connections over both router processes; ${spread}`);
    }
    const bad0 = probe.samples.filter((s) => s.mixed || s.status !== 200).length;
    if (bad0 > 0) throw new Error(`flip bench: before any promote, ${bad0} probe answers were mixed or not 200`);
    console.log(`  ${spread}`);
    console.log(`  ${PROMOTES} promotes alternating A/B, ${PROBES} probe clients, wrk -t1 -c${LOAD_CONNECTIONS} in the background, ${GAP_MS} ms settle after each observed flip`);

    const flips: FlipRecord[] = [];
    const t0 = performance.now();
    for (let i = 0; i < PROMOTES; i++) {
      const target = i % 2 === 0 ? 0 : 1;
      const start = performance.now();
      await promoteDeployment({ ctx: project.ctx, id: deployments[target].id });
      const returned = performance.now();
      const observed = await probe.observed(returned, target, OBSERVE_TIMEOUT_MS);
      flips.push({ start, returned, target, observed });
      if (!observed) console.log(`  promote ${i + 1}: not every probe client saw the new deployment within ${OBSERVE_TIMEOUT_MS} ms`);
      if ((i + 1) % 200 === 0) console.log(`  ${i + 1} promotes (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      await sleep(GAP_MS);
    }
    const endTime = performance.now();
    await probe.stop();
    const load = await finishWrk();

    const samples = probe.samples;
    const { sendLag, recvLag } = analyse(samples, flips, endTime);
    const mixed = samples.filter((s) => s.mixed).length;
    const fivexx = samples.filter((s) => s.status >= 500).length;
    const otherStatus = samples.filter((s) => s.status !== 200 && s.status < 500).length;
    const stale = sendLag.filter((x) => x > 0).length;
    const unobserved = flips.filter((f) => !f.observed).length;
    const promoteMs = flips.map((f) => f.returned - f.start);
    const seconds = (endTime - t0) / 1000;
    const p99 = percentile(sendLag, 99);

    const failures = router.output().split("\n").filter((l) => /fail|error|exited/i.test(l));
    if (failures.length > 0) console.log(`  router logged ${failures.length} failure line(s), e.g. ${failures[0]}`);

    console.log(`\nflip propagation, ${flips.length} promotes in ${seconds.toFixed(1)} s`);
    console.log(`  promote call duration            p50 ${median(promoteMs).toFixed(1)} ms, p99 ${percentile(promoteMs, 99).toFixed(1)} ms`);
    console.log(`  flip latency (send time)         ${stats(sendLag)}  (target p99 <= ${TARGET_P99_MS} ms)`);
    console.log(`  flip latency (receive time)      ${stats(recvLag)}  (upper bound)`);
    console.log(`  promotes with a stale answer     ${stale} of ${flips.length}; not observed within ${OBSERVE_TIMEOUT_MS} ms: ${unobserved}`);
    console.log(`  probe requests                   ${samples.length} (${(samples.length / seconds).toFixed(0)}/s), errors ${probe.errors}, reconnects ${probe.reconnects}`);
    console.log(`  mixed answers (headers vs body)  ${mixed}  (target 0)`);
    console.log(`  5xx answers                      ${fivexx}  (target 0); other non-200: ${otherStatus}`);
    if (load) {
      console.log(`  background wrk                   ${load.requests} requests, ${load.requestsPerSec.toFixed(0)} req/s, p99 ${load.p99Ms.toFixed(2)} ms, non-2xx/3xx ${load.non2xx3xx}, socket errors ${JSON.stringify(load.socketErrors)}`);
    } else {
      console.log("  background wrk                   (no report)");
    }
    const pass = p99 <= TARGET_P99_MS && mixed === 0 && fivexx === 0 && probe.errors === 0 && (load?.non2xx3xx ?? 0) === 0;
    console.log(`flip bench: ${pass ? "PASS" : "FAIL"} (p99 ${p99.toFixed(1)} ms <= ${TARGET_P99_MS}, mixed ${mixed} = 0, 5xx ${fivexx} = 0, probe errors ${probe.errors} = 0)`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  }
}
