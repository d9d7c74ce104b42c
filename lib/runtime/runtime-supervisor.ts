import { randomBytes } from "node:crypto";
import type { ServerSettings } from "@/lib/build/build-settings";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { notifyInstancesChanged } from "@/lib/runtime/runtime-notify";
import { materializeServer } from "@/lib/runtime/server-bundle";
import { healthy, type InstanceSandbox, Instance, probe } from "@/lib/runtime/instance";
import type { FileSource } from "@/lib/router/static/blob-source";
import { parseAllowList } from "@/lib/sandbox/egress-rules";
import type { SecretKey } from "@/lib/secrets/keyring";
import { unseal } from "@/lib/secrets/seal";
import { makeMasker } from "@/lib/build/mask-secrets";
import { instanceLabel } from "@/lib/logs/instance-label";
import { LogWriter } from "@/lib/logs/log-writer";

// The runtime supervisor of one machine (`node`): runs the instances of every
// server deployment that is wanted (seed 003's runtime, deployment_runtimes),
// and keeps their state in Postgres (runtime_instances), where the routers
// of this machine find the ready ones.
//
// - deploying → running once every instance has passed its health check
//   (never before: the router sends requests only to ready instances);
// - an instance that exits is restarted after 1 s, 2 s, 4 s... up to
//   `maxRestarts` within `restartWindowMs`; the next exit fails the runtime
//   with the reason (exit code or limit, last lines of output);
// - an instance that does not pass its health check within `healthTimeoutMs`
//   fails the runtime ("health check /healthz answered 500 for 60 s");
// - a running runtime that production does not serve (a preview, a
//   deployment URL, a version replaced) and that nothing asked for within
//   `idleMs` (the routers renew wantedAt as requests come) is torn down: its instances are marked draining (the routers stop
//   choosing them at once), get `drainMs` for the requests in flight, then
//   SIGTERM and, after `stopGraceMs`, SIGKILL. Then it is stopped;
// - when a mutable variable changes (deployments.env_revision goes up, see
//   lib/env-vars/apply-mutable-changes.ts), its instances are replaced one at
//   a time: a new one starts with the new values, and only once it is ready
//   is an old one drained and stopped, so capacity never drops and no request
//   is dropped. A replacement that does not become ready is stopped, the old
//   instances keep serving, and the runtime's reason says why.
export type RuntimeOptions = {
  db: PrismaClient;
  node: string;
  workDir: string;
  source: FileSource;
  secretKey: SecretKey;
  sandbox: InstanceSandbox;
  /** Why instances cannot run here (no sandbox), if they cannot. */
  unavailable?: string | null;
  tickMs?: number;
  healthTimeoutMs?: number;
  idleMs?: number;
  drainMs?: number;
  stopGraceMs?: number;
  maxRestarts?: number;
  restartWindowMs?: number;
  log?: (line: string) => void;
  /** Keep the instances' output in the runtime logs (default on). */
  logs?: boolean;
  /** A pass failed (the database is away, most likely); `onOk` after the next that works. */
  onError?: (e: unknown) => void;
  onOk?: () => void;
};

const MEMORY_EVERY_MS = 5000;
const REFUSED = "An instance with the new variables did not become ready, so the others keep the previous values.";

type Wanted = {
  deploymentId: string;
  state: "deploying" | "running";
  wantedAt: Date;
  bundleDigest: string;
  settings: ServerSettings;
  runtimeEnvEnc: string | null;
  /** Bumped by each mutable change of runtimeEnvEnc. */
  envRevision: number;
  sandboxId: number;
  egressAllow: string[];
  expiresAt: Date | null;
  /** For its instances' lines in the runtime logs. */
  projectId: string;
  sha: string;
};

export class RuntimeSupervisor {
  private readonly runs = new Map<string, DeploymentRun>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;
  readonly opts: Required<Omit<RuntimeOptions, "unavailable" | "log" | "onError" | "onOk" | "logs">> & Pick<RuntimeOptions, "unavailable" | "log" | "onError" | "onOk" | "logs">;
  /** Every line its instances write, to the runtime logs (lib/logs/log-writer.ts), unless RUNTIME_LOGS is off. */
  readonly logs: LogWriter | null;

  constructor(opts: RuntimeOptions) {
    this.logs = opts.logs === false ? null : new LogWriter({ query: (text, values) => opts.db.$executeRawUnsafe(text, ...values), log: opts.log });
    this.opts = {
      tickMs: 500,
      healthTimeoutMs: 60_000,
      idleMs: 5 * 60_000,
      drainMs: 2_000,
      stopGraceMs: 10_000,
      maxRestarts: 5,
      restartWindowMs: 5 * 60_000,
      ...opts,
    };
  }

  start() {
    this.logs?.start();
    const loop = () => {
      if (this.closed) return;
      this.ticking = this.tick()
        .then(() => this.opts.onOk?.())
        .catch((e) => this.opts.onError?.(e))
        .finally(() => {
          this.ticking = null;
          if (!this.closed) this.timer = setTimeout(loop, this.opts.tickMs);
        });
    };
    loop();
  }

  /** One pass: start what is wanted, stop what is not. */
  async tick() {
    const { db } = this.opts;
    const [rows, routes] = await Promise.all([
      db.deploymentRuntime.findMany({
        where: { state: { in: ["deploying", "running"] } },
        include: {
          deployment: {
            select: {
              bundleDigest: true,
              buildSettings: true,
              runtimeEnvEnc: true,
              envRevision: true,
              expiresAt: true,
              projectId: true,
              commitSha: true,
              project: { select: { sandboxId: true, egressAllow: true } },
            },
          },
        },
      }),
      // Production keeps its instances; previews (branch routes) and deployment URLs scale to zero when idle.
      db.route.findMany({ where: { kind: "production" }, select: { liveDeploymentId: true, canaryDeploymentId: true } }),
    ]);
    const routed = new Set(routes.flatMap((r) => [r.liveDeploymentId, r.canaryDeploymentId]).filter((id): id is string => id !== null));
    const wanted = new Map<string, Wanted>();
    for (const row of rows) {
      const settings = (row.deployment.buildSettings as { server?: ServerSettings } | null)?.server;
      if (!settings || !row.deployment.bundleDigest) continue;
      wanted.set(row.deploymentId, {
        deploymentId: row.deploymentId,
        state: row.state as Wanted["state"],
        wantedAt: row.wantedAt,
        bundleDigest: row.deployment.bundleDigest,
        settings,
        runtimeEnvEnc: row.deployment.runtimeEnvEnc,
        envRevision: row.deployment.envRevision,
        sandboxId: row.deployment.project.sandboxId,
        egressAllow: row.deployment.project.egressAllow,
        expiresAt: row.deployment.expiresAt,
        projectId: row.deployment.projectId,
        sha: row.deployment.commitSha,
      });
    }
    const now = Date.now();
    for (const w of wanted.values()) {
      // Deploying: someone waits for it (a publish, a Promote, a request). Running: idle once no route serves it and nothing asked for it.
      // A deployment whose fixed lifetime has ended is reclaimed unless production serves it.
      const expired = w.expiresAt !== null && w.expiresAt.getTime() <= now && !routed.has(w.deploymentId);
      const idle = expired || (w.state === "running" && !routed.has(w.deploymentId) && now - w.wantedAt.getTime() > this.opts.idleMs);
      if (idle) {
        wanted.delete(w.deploymentId);
        const moved = await db.deploymentRuntime.updateMany({
          where: { deploymentId: w.deploymentId, state: { in: ["deploying", "running"] }, wantedAt: w.wantedAt },
          data: { state: "tearing_down", reason: expired ? `Its lifetime ended at ${w.expiresAt!.toISOString()}.` : "No route serves it any more." },
        });
        if (moved.count === 0) continue;
        void this.tearDown(w.deploymentId);
      } else if (!this.runs.has(w.deploymentId)) {
        this.runs.set(w.deploymentId, new DeploymentRun(this, w));
      } else {
        this.runs.get(w.deploymentId)!.reconfigure(w);
      }
    }
    // Failed, stopped or torn down elsewhere (or by us): nothing of it runs here.
    for (const [id, run] of this.runs) if (!wanted.has(id) && !run.stopping) void this.stopRun(id);
  }

  private async tearDown(deploymentId: string) {
    await this.stopRun(deploymentId);
    await this.opts.db.deploymentRuntime.updateMany({ where: { deploymentId, state: "tearing_down" }, data: { state: "stopped" } });
  }

  private async stopRun(deploymentId: string) {
    const run = this.runs.get(deploymentId);
    if (!run) return;
    await run.stop();
    this.runs.delete(deploymentId);
  }

  async close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.all([...this.runs.keys()].map((id) => this.stopRun(id)));
    await this.logs?.stop();
  }
}

// The instances of one deployment on this machine.
class DeploymentRun {
  stopping = false;
  /** The instances that serve (or will): the ones a rolling restart replaces leave it when their replacement is ready. */
  private slots: Slot[] = [];
  /** Replaced instances being drained and stopped. */
  private readonly retiring = new Set<Slot>();
  private nextSlot = 0;
  private failed = false;
  private dir: string | null = null;
  /** Every value its instances were given, masked in their output lines. */
  private readonly values = new Set<string>();
  /** The revision whose replacement did not become ready: not tried again until the next change. */
  private refusedRevision = -1;
  private rolling: Promise<void> = Promise.resolve();

  constructor(
    readonly sup: RuntimeSupervisor,
    public w: Wanted,
  ) {
    void this.begin();
  }

  private async begin() {
    const { opts } = this.sup;
    if (opts.unavailable) return this.fail(opts.unavailable);
    const { bundleDigest } = this.w;
    let env: Record<string, string>;
    let w: Wanted;
    try {
      const files = await opts.db.manifestEntry.findMany({ where: { bundleDigest }, select: { path: true, size: true, sha256: true, contentType: true } });
      const dir = await materializeServer(opts.source, opts.workDir, bundleDigest, files.map((f) => ({ ...f, size: Number(f.size) })));
      // The variables as of now (a mutable change may have come meanwhile); from here to the slots' creation nothing awaits.
      w = this.w;
      env = this.envOf(w);
      this.dir = dir;
    } catch (e) {
      return this.fail(`Its bundle or variables could not be prepared: ${(e as Error).message}`);
    }
    if (this.stopping) return;
    for (let i = 0; i < w.settings.instances; i++) this.slots.push(new Slot(this, this.nextSlot++, env, w.envRevision));
    for (const slot of this.slots) void slot.run(this.dir);
  }

  private envOf(w: Wanted): Record<string, string> {
    const env = w.runtimeEnvEnc ? (JSON.parse(unseal(this.sup.opts.secretKey, w.runtimeEnvEnc)) as Record<string, string>) : {};
    for (const v of Object.values(env)) this.values.add(v);
    this.mask = makeMasker([...this.values]);
    return env;
  }

  /** Hides every value its instances were given (a mutable change adds the new ones). */
  mask: (text: string) => string = (text) => text;

  /** One line an instance wrote, to the runtime logs (`error`: the platform records an error event, e.g. an unexpected exit). */
  logLine(slot: number, stream: "stdout" | "stderr", text: string, error = false) {
    const { w } = this;
    this.sup.logs?.add({ projectId: w.projectId, deploymentId: w.deploymentId, sha: w.sha, at: Date.now(), source: stream, instance: instanceLabel(this.sup.opts.node, slot), text: this.mask(text), error });
  }

  /** A later pass found it again: a mutable change (a newer envRevision) replaces its instances one at a time. */
  reconfigure(w: Wanted) {
    const newer = w.envRevision > this.w.envRevision;
    this.w = w;
    if (newer) this.rolling = this.rolling.then(() => this.roll()).catch((e) => this.sup.opts.onError?.(e));
  }

  private async roll() {
    const { db } = this.sup.opts;
    const w = this.w;
    if (this.stopping || this.failed || this.dir === null || w.envRevision <= this.refusedRevision) return;
    let env: Record<string, string>;
    try {
      env = this.envOf(w);
    } catch (e) {
      return this.refuse(w.envRevision, `Its new variables could not be read (${(e as Error).message}); its instances keep the previous values.`);
    }
    for (const old of [...this.slots]) {
      if (this.stopping || old.revision >= w.envRevision || !this.slots.includes(old)) continue;
      const fresh = new Slot(this, this.nextSlot++, env, w.envRevision, true);
      this.slots.push(fresh);
      void fresh.run(this.dir);
      const outcome = await fresh.firstReady;
      if (outcome !== "ready") {
        this.slots = this.slots.filter((s) => s !== fresh);
        await db.runtimeInstance.deleteMany({ where: { deploymentId: w.deploymentId, node: this.sup.opts.node, slot: fresh.index } });
        return this.refuse(w.envRevision, `${REFUSED} ${outcome}`);
      }
      this.slots = this.slots.filter((s) => s !== old);
      await this.retire(old);
    }
    await db.deploymentRuntime.updateMany({ where: { deploymentId: w.deploymentId, state: "running", reason: { startsWith: REFUSED } }, data: { reason: null } });
  }

  private async refuse(revision: number, reason: string) {
    this.refusedRevision = revision;
    this.sup.opts.log?.(`runtime: ${this.w.deploymentId}: ${reason.split("\n")[0]}`);
    await this.sup.opts.db.deploymentRuntime.updateMany({ where: { deploymentId: this.w.deploymentId, state: { in: ["deploying", "running"] } }, data: { reason: reason.slice(0, 4000) } });
  }

  /** Drains one instance (routers stop choosing it on the notification), then stops it and forgets it. */
  private async retire(slot: Slot) {
    const { db, node, drainMs } = this.sup.opts;
    this.retiring.add(slot);
    const key = { deploymentId: this.w.deploymentId, node, slot: slot.index };
    await db.$transaction(async (tx) => {
      await tx.runtimeInstance.updateMany({ where: key, data: { state: "draining" } });
      await notifyInstancesChanged(tx);
    });
    await new Promise((r) => setTimeout(r, drainMs));
    await slot.stop();
    this.retiring.delete(slot);
    await db.$transaction(async (tx) => {
      await tx.runtimeInstance.deleteMany({ where: key });
      await notifyInstancesChanged(tx);
    });
  }

  /** After a slot became ready: running once all are (and wanted as of now: whoever asked waited for this). */
  async slotReady() {
    if (this.stopping || !this.slots.every((s) => s.ready)) return;
    await this.sup.opts.db.deploymentRuntime.updateMany({ where: { deploymentId: this.w.deploymentId, state: "deploying" }, data: { state: "running", reason: null, wantedAt: new Date() } });
  }

  async fail(reason: string) {
    if (this.failed || this.stopping) return;
    this.failed = true;
    this.sup.opts.log?.(`runtime: ${this.w.deploymentId} failed: ${reason.split("\n")[0]}`);
    await this.sup.opts.db.deploymentRuntime.updateMany({
      where: { deploymentId: this.w.deploymentId, state: { in: ["deploying", "running"] } },
      data: { state: "failed", reason: reason.slice(0, 4000) },
    });
  }

  async stop() {
    this.stopping = true;
    const { db, node, drainMs } = this.sup.opts;
    // Draining first: routers stop choosing them on the notification, and what is in flight gets drainMs.
    await db.$transaction(async (tx) => {
      await tx.runtimeInstance.updateMany({ where: { deploymentId: this.w.deploymentId, node, state: "ready" }, data: { state: "draining" } });
      await notifyInstancesChanged(tx);
    });
    await new Promise((r) => setTimeout(r, drainMs));
    await Promise.all([...this.slots, ...this.retiring].map((s) => s.stop()));
    await db.$transaction(async (tx) => {
      await tx.runtimeInstance.deleteMany({ where: { deploymentId: this.w.deploymentId, node } });
      await notifyInstancesChanged(tx);
    });
  }
}

// One instance slot of a deployment, across restarts of its process.
class Slot {
  ready = false;
  private stopped = false;
  private instance: Instance | null = null;
  private restarts: number[] = [];
  private settle: (outcome: string) => void = () => undefined;
  /** "ready" the first time it passes its health check, or why it never did. */
  readonly firstReady = new Promise<string>((resolve) => (this.settle = resolve));

  constructor(
    private readonly owner: DeploymentRun,
    readonly index: number,
    private readonly env: Record<string, string>,
    readonly revision: number,
    /** A rolling restart's new instance: if it never becomes ready it gives up at once (the old one keeps serving), never failing the runtime. */
    private readonly replacement = false,
  ) {}

  private get sup() {
    return this.owner.sup;
  }

  private get done() {
    return this.stopped || this.owner.stopping;
  }

  private async record(data: { state: "starting" | "ready" | "crashed"; socketPath?: string | null; lastError?: string | null; readyAt?: Date | null; restarts?: number }) {
    const { db, node } = this.sup.opts;
    const key = { deploymentId: this.owner.w.deploymentId, node, slot: this.index };
    await db.$transaction(async (tx) => {
      await tx.runtimeInstance.upsert({
        where: { deploymentId_node_slot: key },
        create: { ...key, ...data, envRevision: this.revision, restarts: data.restarts ?? 0 },
        update: data,
      });
      await notifyInstancesChanged(tx);
    });
  }

  async run(dir: string) {
    try {
      await this.loop(dir);
    } finally {
      this.settle("It stopped before it became ready.");
    }
  }

  private async loop(dir: string) {
    const { opts } = this.sup;
    const w = this.owner.w;
    const check = w.settings.healthCheckPath ?? "/";
    while (!this.done) {
      await this.record({ state: "starting", socketPath: null, readyAt: null, restarts: this.restarts.length, ...(this.restarts.length ? {} : { lastError: null }) });
      let instance: Instance;
      try {
        instance = await Instance.start({
          id: `${w.deploymentId.slice(0, 8)}-${this.index}-${randomBytes(3).toString("hex")}`,
          bundleDir: dir,
          start: w.settings.start,
          env: this.env,
          memoryMb: w.settings.memoryMb,
          sandboxId: w.sandboxId,
          allow: parseAllowList(w.egressAllow),
          workDir: opts.workDir,
          sandbox: opts.sandbox,
          onLine: (stream, text) => this.owner.logLine(this.index, stream, text),
        });
      } catch (e) {
        const reason = `Instance ${this.index + 1} could not be started: ${(e as Error).message}`;
        if (this.replacement) return this.settle(reason);
        return this.owner.fail(reason);
      }
      this.instance = instance;
      if (this.done) return void (await instance.stop(opts.stopGraceMs));
      const outcome = await this.waitReady(instance, check, w.settings.healthCheckPath !== null);
      if (outcome === "stopping") return;
      let reason: string;
      if (outcome === "ready") {
        this.ready = true;
        await this.record({ state: "ready", socketPath: instance.socketPath, readyAt: new Date() });
        this.settle("ready");
        await this.owner.slotReady();
        const sampling = this.sampleMemory(instance);
        const exit = await instance.exited;
        clearInterval(sampling);
        this.ready = false;
        if (this.done) return;
        reason = exit.reason;
      } else if ("exited" in outcome) {
        reason = `It exited before its health check passed. ${outcome.exited}`;
        if (this.replacement) return this.settle(withLines(reason, instance));
      } else {
        await instance.stop(opts.stopGraceMs);
        await this.record({ state: "crashed", socketPath: null, lastError: outcome.timeout });
        if (this.replacement) return this.settle(withLines(outcome.timeout, instance));
        return this.owner.fail(withLines(outcome.timeout, instance));
      }
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < opts.restartWindowMs);
      this.owner.logLine(this.index, "stderr", `[instance] exited unexpectedly: ${reason}`, true);
      await this.record({ state: "crashed", socketPath: null, lastError: reason });
      if (this.restarts.length >= opts.maxRestarts) {
        return this.owner.fail(withLines(`Instance ${this.index + 1} crashed ${this.restarts.length + 1} times within ${Math.round(opts.restartWindowMs / 1000)} s. ${reason}`, instance));
      }
      this.restarts.push(now);
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** (this.restarts.length - 1))));
    }
  }

  // Its memory (the sandbox's control group), for the console, every MEMORY_EVERY_MS while it runs.
  private sampleMemory(instance: Instance): NodeJS.Timeout {
    const { db, node } = this.sup.opts;
    const key = { deploymentId: this.owner.w.deploymentId, node, slot: this.index };
    const sample = async () => {
      const kb = await instance.memoryKb().catch(() => null);
      if (kb !== null) await db.runtimeInstance.updateMany({ where: { ...key, state: "ready" }, data: { memoryKb: kb } }).catch(() => undefined);
    };
    void sample();
    return setInterval(() => void sample(), MEMORY_EVERY_MS);
  }

  // Polls the health check until it passes, the process exits, or the time is up.
  private async waitReady(instance: Instance, check: string, configured: boolean): Promise<"ready" | "stopping" | { exited: string } | { timeout: string }> {
    const { healthTimeoutMs } = this.sup.opts;
    const started = Date.now();
    let exited: string | null = null;
    void instance.exited.then((e) => (exited = e.reason));
    let last = "it is not listening on PORT";
    let delay = 50;
    while (Date.now() - started < healthTimeoutMs) {
      if (this.done) return "stopping";
      if (exited !== null) return { exited };
      // Never a connection to its socket before it is sealed (instance.ts socketReady).
      const socket = instance.socketReady();
      if (socket === false) return { timeout: "Its socket was not where it should be (a link, or not its own): it was stopped." };
      const answer = socket ? await probe(instance.socketPath, check, 5000) : { error: "it is not listening on PORT" };
      if ("status" in answer && healthy(answer.status, configured)) return "ready";
      last = "status" in answer ? `answered ${answer.status}` : answer.error;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(500, delay * 2);
    }
    return { timeout: `The health check ${check} failed for ${Math.round(healthTimeoutMs / 1000)} s: ${last}.` };
  }

  async stop() {
    this.stopped = true;
    await this.instance?.stop(this.sup.opts.stopGraceMs);
  }
}

function withLines(reason: string, instance: Instance): string {
  const lines = instance.lastLines();
  return lines.length ? `${reason}\nLast lines of its output:\n${lines.join("\n")}` : reason;
}
