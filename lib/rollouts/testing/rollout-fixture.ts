import { expect } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import type { BuildDeps } from "@/lib/build/build-context";
import type { Ctx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { LogHistogram } from "@/lib/metrics/log-histogram";
import { seededRandom } from "@/lib/rollouts/testing/random";
import { tickRollouts, type TickOutcome } from "@/lib/rollouts/tick-rollouts";
import { deployDir, makeApp, seedArchiveProject } from "@/lib/testing/deploy";
import { unique } from "@/lib/testing/seed";

// Short windows so a whole rollout runs in seconds.
export const FAST = { stages: [5, 25, 50, 100], observationWindowSec: 1, minSamples: 30, maxInconclusiveWindows: 2 };

export type Seeded = Awaited<ReturnType<typeof seedArchiveProject>>;

// A project whose rollouts use `settings`, with `v1` live (its first deploy, no baseline).
export async function projectWithLive(db: Db, deps: () => BuildDeps, settings: Prisma.InputJsonValue | null = FAST) {
  const seeded = await seedArchiveProject(db, { rolloutSettings: settings });
  const v1 = await deployVersion(seeded.ctx, seeded.project.slug, deps, "v1");
  expect(v1.outcome).toBe("live");
  return { ...seeded, v1: v1.id };
}

export async function deployVersion(ctx: Ctx, slug: string, deps: () => BuildDeps, version: string, slipway: Record<string, unknown> = {}) {
  const app = await makeApp({
    "package.json": "{}",
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${version} > dist/index.html`, ...slipway }),
  });
  const d = await deployDir(ctx, slug, app);
  return { id: d.id, outcome: await runBuild(d.id, deps()) };
}

export type ArmShape = { errorRate: number; latencyMs: number };

// One second's bucket of one router for a deployment, as the router flushes it.
export async function writeBucket(db: Db, deploymentId: string, b: { requests: number; errors: number; latencies: number[]; at?: Date }) {
  const h = new LogHistogram();
  for (const ms of b.latencies) h.record(ms);
  await db.metricBucket.create({
    data: {
      deploymentId,
      bucketStart: b.at ?? new Date(),
      routerId: unique("test-router"),
      requests: b.requests,
      errors: b.errors,
      histogram: new Uint8Array(h.serialize()),
    },
  });
}

// Simulated routers: every `everyMs`, `rps`·everyMs/1000 requests split by the
// route's current canary weight, each arm with its error rate and a noisy
// latency around its mean, written as buckets stamped now. Runs until stopped.
export function simulateTraffic(db: Db, a: { routeId: string; canary: () => string | null; baseline: string; rps: number; canaryArm: ArmShape; baselineArm: ArmShape; everyMs?: number; seed?: number }) {
  const rand = seededRandom(a.seed ?? 7);
  const everyMs = a.everyMs ?? 100;
  let stopped = false;
  const sample = (n: number, arm: ArmShape) => {
    let errors = 0;
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      if (rand() < arm.errorRate) errors++;
      latencies.push(arm.latencyMs * (0.7 + 0.6 * rand()));
    }
    return { requests: n, errors, latencies };
  };
  const loop = (async () => {
    while (!stopped) {
      const route = await db.route.findUniqueOrThrow({ where: { id: a.routeId } });
      const total = Math.round((a.rps * everyMs) / 1000);
      const canaryId = a.canary();
      const toCanary = canaryId && route.canaryDeploymentId === canaryId ? Math.round((total * route.canaryWeight) / 100) : 0;
      if (toCanary > 0) await writeBucket(db, canaryId!, sample(toCanary, a.canaryArm));
      if (total - toCanary > 0) await writeBucket(db, a.baseline, sample(total - toCanary, a.baselineArm));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

// Ticks (as a worker would, but only this project's rollouts) until `done` says so.
export async function tickUntil(db: Db, projectId: string, done: (outcomes: TickOutcome[]) => Promise<boolean> | boolean, timeoutMs = 20_000, everyMs = 100) {
  const all: TickOutcome[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const outcomes = await tickRollouts(db, { projectIds: [projectId] });
    all.push(...outcomes);
    const errors = outcomes.filter((o) => o.action === "error");
    if (errors.length) throw new Error(`tick failed: ${errors.map((e) => e.detail).join("; ")}`);
    if (await done(outcomes)) return all;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms; outcomes: ${JSON.stringify(all.slice(-5))}`);
}

export const productionRoute = (db: Db, projectId: string) => db.route.findFirstOrThrow({ where: { projectId, kind: "production" } });
