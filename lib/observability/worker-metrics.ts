import client from "prom-client";
import { EXPIRY_WARNING_DAYS } from "@/lib/certificates/certificate-view";
import type { Db } from "@/lib/db/client";

// What a worker process exposes at GET /metrics (WORKER_METRICS_PORT): the
// build durations it saw itself, and the platform's state as the database
// has it at the scrape (every worker answers the same for those): the job
// queue's depth, deployments waiting and building, active rollouts and their
// stage, server instances' restarts, certificates close to expiry. Labels
// are bounded: projects, never paths or deployments' ids.

const registry = new client.Registry();

const buildDuration = new client.Histogram({
  name: "slipway_worker_build_duration_seconds",
  help: "Builds this worker ran, from taking the job to the outcome, by outcome.",
  labelNames: ["outcome"],
  buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
  registers: [registry],
});

/** One build this process ran (lib/jobs/registry.ts). */
export function observeBuild(outcome: string, seconds: number): void {
  buildDuration.observe({ outcome }, seconds);
}

export type PlatformState = {
  queue: { waiting: number; running: number };
  deployments: { queued: number; building: number };
  rollouts: { project: string; status: string; weight: number; count: number }[];
  restarts: { project: string; restarts: number }[];
  expiringSoon: { hostname: string; notAfter: string }[];
};

/** The platform's state for /metrics and /readyz, in one round of queries. */
export async function platformState(db: Db, now = new Date()): Promise<PlatformState> {
  const soon = new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000);
  const [queue, deployments, rollouts, restarts, certificates] = await Promise.all([
    db.$queryRaw<{ waiting: bigint; running: bigint }[]>`
      SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS waiting,
             count(*) FILTER (WHERE locked_at IS NOT NULL) AS running
      FROM graphile_worker.jobs`,
    db.deployment.groupBy({ by: ["status"], where: { status: { in: ["queued", "building"] } }, _count: true }),
    db.$queryRaw<{ project: string; status: string; weight: number; count: bigint }[]>`
      SELECT p.slug AS project, r.status::text AS status, r.stages[r.stage_index + 1] AS weight, count(*) AS count
      FROM rollouts r JOIN projects p ON p.id = r.project_id
      WHERE r.status IN ('running', 'paused')
      GROUP BY 1, 2, 3`,
    db.$queryRaw<{ project: string; restarts: bigint }[]>`
      SELECT p.slug AS project, sum(i.restarts) AS restarts
      FROM runtime_instances i JOIN deployments d ON d.id = i.deployment_id JOIN projects p ON p.id = d.project_id
      GROUP BY 1`,
    db.certificate.findMany({ where: { state: { in: ["issued", "failed"] }, notAfter: { lt: soon } }, select: { hostname: true, notAfter: true }, orderBy: { notAfter: "asc" } }),
  ]);
  const count = (status: string) => deployments.find((d) => d.status === status)?._count ?? 0;
  return {
    queue: { waiting: Number(queue[0]?.waiting ?? 0), running: Number(queue[0]?.running ?? 0) },
    deployments: { queued: count("queued"), building: count("building") },
    rollouts: rollouts.map((r) => ({ ...r, count: Number(r.count) })),
    restarts: restarts.map((r) => ({ project: r.project, restarts: Number(r.restarts) })),
    expiringSoon: certificates.map((c) => ({ hostname: c.hostname, notAfter: c.notAfter!.toISOString() })),
  };
}

/** The metrics text: this process's own, and the state `read` returns. */
export async function workerMetricsText(read: () => Promise<PlatformState>): Promise<{ text: string; contentType: string }> {
  const state = await read();
  const scrape = new client.Registry();
  const gauge = (name: string, help: string, labelNames: string[], set: (g: client.Gauge) => void) => set(new client.Gauge({ name, help, labelNames, registers: [scrape] }));
  gauge("slipway_jobs", "Jobs in the queue: waiting to run (due now) and running.", ["state"], (g) => {
    g.set({ state: "waiting" }, state.queue.waiting);
    g.set({ state: "running" }, state.queue.running);
  });
  gauge("slipway_deployments_in_progress", "Deployments waiting for a build and building.", ["status"], (g) => {
    g.set({ status: "queued" }, state.deployments.queued);
    g.set({ status: "building" }, state.deployments.building);
  });
  gauge("slipway_rollouts_active", "Canary rollouts running or paused, by project, status and the canary's current weight (%).", ["project", "status", "weight"], (g) => {
    for (const r of state.rollouts) g.set({ project: r.project, status: r.status, weight: String(r.weight) }, r.count);
  });
  gauge("slipway_runtime_instance_restarts", "Restarts of the server instances that run now, by project.", ["project"], (g) => {
    for (const r of state.restarts) g.set({ project: r.project }, r.restarts);
  });
  gauge("slipway_certificates_expiring_soon", `Certificates that expire within ${EXPIRY_WARNING_DAYS} days with no renewal under way.`, [], (g) => g.set(state.expiringSoon.length));
  const merged = client.Registry.merge([registry, scrape]);
  return { text: await merged.metrics(), contentType: merged.contentType };
}
