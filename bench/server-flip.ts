// Zero downtime for server apps (issue 18): a client sends requests without
// pause, and keeps WebSockets open, while BENCH_SERVER_OPS deploys, promotes,
// rollbacks and mutable-variable changes of a server app run against the real router (two Bun
// processes), the platform's runtime (instances in the sandbox) and the real
// build job. Every version's instances listen BENCH_SERVER_WARMUP_MS before
// their health check passes, so a request sent to an instance that is not
// ready yet would be seen: the app says in each answer whether a health check
// had passed before it (`ready`).
//
// Reported: requests, failed ones (an error or any status but 200), answers
// from an instance that was not ready, mixed answers (the x-slipway-deployment
// header of one deployment, the body of another), the time from a deploy's or
// Promote's return to the last answer of the deployment it replaced (by send
// time), the time from a variable's save until every client gets its new
// value (the instances replaced one at a time), the WebSockets' messages and
// how they closed.
// Targets: 0 failed, 0 not ready, 0 mixed; every WebSocket closed with a close frame.
import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sleep } from "@/bench/lib/proc";
import { deployDirectory, type Deployed, type Platform, request, seedProject, startPlatform, startRouterProcess } from "@/bench/lib/router-fixture";
import { branchRouteName } from "@/lib/routes/route-names";
import { startRuntime } from "@/bench/lib/runtime-fixture";
import { median, percentile } from "@/bench/lib/stats";
import { changeEnvVars } from "@/lib/env-vars/change-env-vars";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { serverAppFiles } from "@/lib/runtime/testing/server-app";
import { openWebSocket } from "@/lib/runtime/testing/websocket-client";

const OPS = Number(process.env.BENCH_SERVER_OPS ?? 50);
const CLIENTS = Number(process.env.BENCH_SERVER_CLIENTS ?? 6);
const SOCKETS = Number(process.env.BENCH_SERVER_SOCKETS ?? 4);
const WARMUP_MS = Number(process.env.BENCH_SERVER_WARMUP_MS ?? 300);
// A deploy every DEPLOY_EVERY operations, then a change of the mutable APP_FLAG; Promotes of older versions in between.
const DEPLOY_EVERY = 5;
const VARIABLE_AT = 2;
const COLD_STARTS = Number(process.env.BENCH_SERVER_COLD_STARTS ?? 5);

type Answer = { send: number; recv: number; status: number; header: string | null; version: string | null; ready: boolean | null; flag: string | null };

// `count` loops to the router's port for the app's host, until stop().
abstract class Loops {
  protected running = true;
  private loops: Promise<void>[] = [];

  constructor(
    protected readonly port: number,
    protected readonly host: string,
  ) {}

  start(count: number) {
    this.loops = Array.from({ length: count }, (_, i) => this.loop(i));
  }

  protected abstract loop(i: number): Promise<void>;

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }
}

class Traffic extends Loops {
  readonly answers: Answer[] = [];
  errors = 0;

  protected async loop() {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (this.running) {
      const send = performance.now();
      const answer = await new Promise<Answer | null>((resolve) => {
        const req = http.request({ host: "127.0.0.1", port: this.port, path: "/", headers: { host: this.host }, agent, timeout: 10_000 }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => {
            let body: { version?: string; ready?: boolean; vars?: { APP_FLAG?: string } } = {};
            try {
              body = JSON.parse(text);
            } catch {
              // not the app's answer
            }
            const header = res.headers["x-slipway-deployment"];
            resolve({
              send,
              recv: performance.now(),
              status: res.statusCode ?? 0,
              header: typeof header === "string" ? header : null,
              version: body.version ?? null,
              ready: body.ready ?? null,
              flag: body.vars?.APP_FLAG ?? null,
            });
          });
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(null));
        req.end();
      });
      if (answer) this.answers.push(answer);
      else this.errors++;
    }
    agent.destroy();
  }
}

// WebSockets kept open through every change: each sends a message every 200 ms
// and expects its echo; when its instance drains, it reconnects.
class Sockets extends Loops {
  echoes = 0;
  missing = 0;
  failedOpens = 0;
  readonly closes = new Map<number, number>();

  protected async loop(i: number) {
    while (this.running) {
      let ws: Awaited<ReturnType<typeof openWebSocket>>;
      try {
        ws = await openWebSocket(this.port, this.host, `/ws/${i}`);
        if (ws.status !== 101) throw new Error(`status ${ws.status}`);
      } catch {
        this.failedOpens++;
        await sleep(200);
        continue;
      }
      let closed: number | null = null;
      void ws.closed.then((code) => (closed = code));
      while (this.running && closed === null) {
        ws.send(`m${i}`);
        try {
          if ((await ws.next(2000)).includes(`echo: m${i}`)) this.echoes++;
        } catch {
          if (closed === null) this.missing++;
        }
        await sleep(200);
      }
      if (closed === null) ws.close();
      const code = closed ?? (await ws.closed);
      this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
    }
  }
}

async function deployVersion(p: Platform, project: Parameters<typeof deployDirectory>[1], version: string, input: Record<string, unknown> = {}): Promise<Deployed> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-server-app-"));
  try {
    for (const [name, content] of Object.entries(serverAppFiles({ version, warmupMs: WARMUP_MS, config: { canary: "skip" } }))) await writeFile(path.join(dir, name), content);
    return await deployDirectory(p, project, dir, input);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function serverFlipBench() {
  const p = await startPlatform();
  const { stop: stopRuntime } = await startRuntime(p, { idleMs: 3000, stopGraceMs: 5000 });
  try {
    const project = await seedProject(p, "server-flip");
    const setFlag = (value: string) =>
      changeEnvVars({ ctx: project.ctx, slug: project.slug, input: { changes: [{ op: "set", key: "APP_FLAG", value, targets: ["production"], mutable: true }] } });
    await setFlag("flag-0");
    const versions = new Map<string, string>(); // version → deployment id
    const first = await deployVersion(p, project, "v0");
    versions.set("v0", first.id);
    const router = await startRouterProcess(p, 2);
    const traffic = new Traffic(router.port, project.host);
    const sockets = new Sockets(router.port, project.host);
    traffic.start(CLIENTS);
    sockets.start(SOCKETS);
    const flips: number[] = [];
    const opMs: { deploy: number[]; promote: number[]; variable: number[] } = { deploy: [], promote: [], variable: [] };
    // From a variable's save to the first moment every client's last answer carries the new value.
    const variableRollouts: number[] = [];
    let variableMisses = 0;
    let live = first.id;
    try {
      await sleep(1000);
      for (let i = 1; i <= OPS; i++) {
        const started = performance.now();
        const before = live;
        if (i % DEPLOY_EVERY === 1 || versions.size < 2) {
          const version = `v${versions.size}`;
          const d = await deployVersion(p, project, version);
          versions.set(version, d.id);
          live = d.id;
          opMs.deploy.push(performance.now() - started);
        } else if (i % DEPLOY_EVERY === VARIABLE_AT) {
          // A mutable change: the live deployment's instances are replaced with the new value, one at a time.
          const value = `flag-${i}`;
          const saved = await setFlag(value);
          opMs.variable.push(performance.now() - started);
          if (!saved.applied.some((a) => a.deploymentId === live)) throw new Error(`the save did not reach the live deployment: ${JSON.stringify(saved.applied)}`);
          const deadline = performance.now() + 60_000;
          while (performance.now() < deadline) {
            const after = traffic.answers.filter((a) => a.send > started);
            if (after.length >= CLIENTS && after.slice(-CLIENTS * 2).every((a) => a.flag === value)) break;
            await sleep(20);
          }
          if (performance.now() >= deadline) variableMisses++;
          else variableRollouts.push(performance.now() - started);
          process.stdout.write(`\r  ${i}/${OPS} operations, ${traffic.answers.length} answers`);
          continue; // the route did not move: no flip to time
        } else {
          // Promote (a rollback, when it is the previous one) of another version, alternating old and recent.
          const ids = [...versions.values()].filter((id) => id !== live);
          const target = i % 2 === 0 ? ids[ids.length - 1] : ids[Math.floor(Math.random() * ids.length)];
          await promoteDeployment({ ctx: project.ctx, id: target });
          live = target;
          opMs.promote.push(performance.now() - started);
        }
        const returned = performance.now();
        // Until every client has had an answer from the new one to a request sent after the return.
        const deadline = returned + 10_000;
        while (performance.now() < deadline) {
          const after = traffic.answers.filter((a) => a.send > returned);
          if (after.length >= CLIENTS * 2 && after.slice(-CLIENTS).every((a) => a.header === live)) break;
          await sleep(20);
        }
        await sleep(200);
        const lastOld = traffic.answers.filter((a) => a.send > returned && a.header === before).reduce((m, a) => Math.max(m, a.send), returned);
        flips.push(lastOld - returned);
        process.stdout.write(`\r  ${i}/${OPS} operations, ${traffic.answers.length} answers`);
      }
      await sleep(5000); // the last replaced ones drain and stop, their WebSockets close
    } finally {
      await traffic.stop();
      await sockets.stop();
    }
    // Scale to zero: a preview idles (3 s here), drains and stops; its next request starts it and waits.
    const coldStarts: number[] = [];
    try {
      const preview = await deployVersion(p, project, "preview", { branch: "bench-preview", environment: "preview" });
      const host = `${branchRouteName(project.slug, "bench-preview")}.localhost`;
      for (let i = 0; i < COLD_STARTS; i++) {
        const deadline = Date.now() + 30_000;
        while ((await p.db.deploymentRuntime.findUnique({ where: { deploymentId: preview.id } }))?.state !== "stopped" && Date.now() < deadline) await sleep(100);
        const started = performance.now();
        const r = await request(router.port, host, "/");
        if (r.status !== 200 || JSON.parse(r.body.toString()).version !== "preview") throw new Error(`cold preview answered ${r.status}`);
        coldStarts.push(performance.now() - started);
      }
    } finally {
      await router.stop();
    }
    console.log("");
    const byVersion = (v: string | null) => (v === null ? null : (versions.get(v) ?? null));
    const failed = traffic.answers.filter((a) => a.status !== 200).length + traffic.errors;
    const notReady = traffic.answers.filter((a) => a.status === 200 && a.ready !== true).length;
    const mixed = traffic.answers.filter((a) => a.status === 200 && a.header !== byVersion(a.version)).length;
    const latencies = traffic.answers.map((a) => a.recv - a.send);
    const abnormal = [...sockets.closes.entries()].filter(([code]) => code !== 1000 && code !== 1001).reduce((n, [, c]) => n + c, 0);
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    console.log(`  ${OPS} operations: ${opMs.deploy.length} deploys (median ${(median(opMs.deploy) / 1000).toFixed(1)} s, build included), ${opMs.promote.length} promotes and rollbacks (median ${median(opMs.promote).toFixed(0)} ms, p99 ${percentile(opMs.promote, 99).toFixed(0)} ms, starting a stopped one included)`);
    console.log(`  requests: ${traffic.answers.length + traffic.errors}, latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    console.log(`  failed requests:                   ${failed}  (target 0)  ${verdict(failed === 0)}`);
    console.log(`  answered by an instance not ready: ${notReady}  (target 0)  ${verdict(notReady === 0)}`);
    console.log(`  mixed answers:                     ${mixed}  (target 0)  ${verdict(mixed === 0)}`);
    console.log(
      `  mutable variable changes: ${opMs.variable.length} (save median ${median(opMs.variable).toFixed(0)} ms); save → every client on the new value: median ${(median(variableRollouts) / 1000).toFixed(1)} s, max ${(Math.max(...variableRollouts) / 1000).toFixed(1)} s, never reached ${variableMisses} (target 0)  ${verdict(variableMisses === 0)}`,
    );
    console.log(`  deploy/Promote return → last old answer: p50 ${percentile(flips, 50).toFixed(1)} ms, p99 ${percentile(flips, 99).toFixed(1)} ms, max ${Math.max(...flips).toFixed(1)} ms`);
    console.log(`  WebSockets: ${sockets.echoes} echoes, ${sockets.missing} missing, ${sockets.failedOpens} failed opens, closes ${JSON.stringify(Object.fromEntries(sockets.closes))} (abnormal ${abnormal}, target 0)  ${verdict(abnormal === 0 && sockets.missing === 0)}`);
    console.log(`  preview cold start (stopped → first answer, health check ${WARMUP_MS} ms after start included): median ${median(coldStarts).toFixed(0)} ms, max ${Math.max(...coldStarts).toFixed(0)} ms over ${coldStarts.length}; no request lost`);
    if (failed || notReady || mixed || abnormal || sockets.missing || variableMisses) process.exitCode = 1;
  } finally {
    await stopRuntime();
    await p.stop();
  }
}
