import { EventEmitter } from "node:events";
import { Logger, run, type WorkerEvents } from "graphile-worker";
import { reapLostBuilds } from "@/lib/build/reap-lost-builds";
import { sweepWorkspaces } from "@/lib/build/sweep-workspaces";
import { loadConfig } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { crontab, taskList } from "@/lib/jobs/registry";
import { releaseDeadLocks } from "@/lib/jobs/release-dead-locks";
import { announcePresence } from "@/lib/jobs/worker-presence";
import { OutageLog, waitForDatabase } from "@/lib/platform/outage-log";
import { runSyntheticChecks } from "@/lib/rollouts/send-synthetic-checks";
import { tickRollouts } from "@/lib/rollouts/tick-rollouts";
import { startWorkerStatusServer } from "@/lib/observability/worker-status-server";
import { deliverDueDrains } from "@/lib/drains/deliver-drains";
import { setBuildTracer } from "@/lib/build/trace-build";
import { spanBatcherFromConfig } from "@/lib/observability/traces";
import { currentSecretKey } from "@/lib/secrets/keyring";

// Worker process entry point: takes jobs from the Postgres queue. Many workers
// may run against the same database; graphile-worker gives each job to one.
const tasks = taskList();
// While the database is away every loop below fails each second: one line per
// outage, and one when it is back (lib/platform/outage-log.ts).
const outage = new OutageLog();
// graphile-worker's own messages, through the same filter for its errors.
const logger = new Logger(() => (level, message, meta) => {
  const error = (meta as { error?: unknown } | undefined)?.error;
  if (level === "error" || level === "warning") outage.error("job queue", error ?? message);
  else if (level === "info") console.log(message);
});
// The pool's id is what graphile writes in locked_by; while this process lives,
// a connection named after it says so (lib/jobs/worker-presence.ts).
const events: WorkerEvents = new EventEmitter();
const presences: { stop: () => Promise<void> }[] = [];
events.on("pool:create", ({ workerPool }) => presences.push(announcePresence(process.env.DATABASE_URL!, workerPool.id)));
await waitForDatabase(process.env.DATABASE_URL!, outage);
const runner = await run({
  events,
  connectionString: process.env.DATABASE_URL,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 2),
  noHandleSignals: true,
  logger,
  pollInterval: 1000,
  taskList: tasks,
  crontab,
});

const config = loadConfig();
// Builds traced stage by stage, where OTEL_EXPORTER_OTLP_ENDPOINT says (lib/build/trace-build.ts).
const tracer = await spanBatcherFromConfig(config, "slipway-worker", (line) => console.log(line));
setBuildTracer(tracer);
// Its /readyz and /metrics, where the operator asked for them.
const statusServer =
  config.WORKER_METRICS_PORT === undefined ? null : await startWorkerStatusServer({ db: db(), host: config.BIND_HOST, port: config.WORKER_METRICS_PORT, log: (line) => console.log(line) });

// Every worker looks for builds whose worker died (SKIP LOCKED keeps them from
// failing the same one twice), then frees the dead workers' job and queue locks.
const LOST_AFTER_MS = config.BUILD_LOST_AFTER_SEC * 1000;
const REAP_EVERY_MS = Math.min(5000, LOST_AFTER_MS / 3);
const reap = async () => {
  try {
    const ids = await reapLostBuilds(db(), LOST_AFTER_MS);
    outage.ok();
    if (ids.length) console.log(`failed ${ids.length} build(s) whose worker was lost: ${ids.join(", ")}`);
    const swept = await sweepWorkspaces(db(), config.dataDir);
    if (swept.length) console.log(`removed ${swept.length} workspace(s) left by builds that are over: ${swept.join(", ")}`);
    const dead = await releaseDeadLocks(db());
    if (dead.length) console.log(`released the job locks of ${dead.length} worker(s) that are gone: ${dead.join(", ")}`);
  } catch (e) {
    outage.error("reaping lost builds failed", e);
  }
};
const reaper = setInterval(reap, REAP_EVERY_MS);
void reap();

// The rollout controller: every worker ticks every running rollout about once a
// second; FOR UPDATE SKIP LOCKED gives each rollout to one worker per tick, and
// all state is in the database, so a worker killed mid-tick changes nothing and
// the next tick (of any worker) resumes the rollout at its stage. A tick that
// is still going when the next is due is not doubled.
//
// Synthetic checks of rollouts that asked for them ride on the same loop, and
// only while some rollout runs (the tick just listed them): each second is
// claimed by one worker, which sends that second's requests through the router.
const TICK_EVERY_MS = 1000;
const synthetic = { routerUrl: config.syntheticRouterUrl, appsDomain: config.APPS_DOMAIN };
let ticking: Promise<unknown> | null = null;
const tick = () => {
  if (ticking) return;
  ticking = tickRollouts(db())
    .then(
      (outcomes) => {
        outage.ok();
        if (outcomes.length > 0) {
          runSyntheticChecks(db(), synthetic).catch((e) => outage.error("synthetic checks failed", e));
        }
        for (const o of outcomes) {
          if (o.action === "error") outage.error(`rollout ${o.rolloutId}: tick failed`, o.detail);
          else if (!["skipped", "busy", "watching"].includes(o.action)) console.log(`rollout ${o.rolloutId}: ${o.action}${o.detail ? ` (${o.detail})` : ""}`);
        }
      },
      (e) => outage.error("rollout controller tick failed", e),
    )
    .finally(() => (ticking = null));
};
const ticker = setInterval(tick, TICK_EVERY_MS);
tick();

// Log drains (lib/drains/deliver-drains.ts): every worker, about once a
// second; each due drain goes to one of them (SKIP LOCKED), so deliveries
// scale with the workers and a worker killed mid-delivery only delays one.
const drainOptions = { db: db(), secretKey: await currentSecretKey(), allowPrivate: config.DRAIN_ALLOW_PRIVATE === "true", traceUrl: config.TRACE_URL, log: (line: string) => console.log(line) };
let delivering: Promise<unknown> | null = null;
const deliver = () => {
  if (delivering) return;
  delivering = deliverDueDrains(drainOptions)
    .catch((e) => outage.error("log drain deliveries failed", e))
    .finally(() => (delivering = null));
};
const deliverer = setInterval(deliver, TICK_EVERY_MS);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(reaper);
  clearInterval(ticker);
  clearInterval(deliverer);
  statusServer?.close();
  await ticking;
  await delivering;
  await tracer?.stop();
  await runner.stop();
  await Promise.all(presences.map((p) => p.stop()));
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`worker ready (${Object.keys(tasks).length} job types)`);
await runner.promise;
