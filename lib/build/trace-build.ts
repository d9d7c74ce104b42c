import type { Db } from "@/lib/db/client";
import { randomHex, type SpanBatcher } from "@/lib/observability/traces";

// A build as a trace: a root span for the whole build and one child span per
// stage (source, install, build, migrate, bundle, upload, publish), from the
// times the pipeline recorded in deployment_stages, with the deployment, the
// commit SHA and the outcome. Exported when the build is over, by the
// worker's span batcher (lib/observability/traces.ts) when tracing is on.

let tracer: SpanBatcher | null = null;

/** The worker's batcher, once it has one (OTEL_EXPORTER_OTLP_ENDPOINT set). */
export function setBuildTracer(batcher: SpanBatcher | null): void {
  tracer = batcher;
}

export async function traceBuild(db: Db, deploymentId: string, outcome: string): Promise<void> {
  if (!tracer) return;
  const d = await db.deployment.findUnique({
    where: { id: deploymentId },
    select: { commitSha: true, createdAt: true, project: { select: { slug: true } }, stages: { orderBy: { position: "asc" } } },
  });
  if (!d || d.stages.length === 0) return;
  const traceId = randomHex(16);
  const rootId = randomHex(8);
  const base = { "deployment.id": deploymentId, "service.version": d.commitSha, "slipway.project": d.project.slug };
  const start = d.stages[0].startedAt.getTime();
  const end = Math.max(...d.stages.map((s) => (s.finishedAt ?? s.startedAt).getTime()));
  tracer.record({
    traceId,
    spanId: rootId,
    name: "build",
    kind: 0,
    startMs: start,
    durationMs: end - start,
    attributes: { ...base, "slipway.build.outcome": outcome },
    error: outcome === "failed" ? (d.stages.find((s) => s.status === "failed")?.detail ?? "the build failed") : null,
  });
  for (const s of d.stages) {
    if (s.status === "skipped") continue;
    tracer.record({
      traceId,
      spanId: randomHex(8),
      parentSpanId: rootId,
      name: `build ${s.name}`,
      kind: 0,
      startMs: s.startedAt.getTime(),
      durationMs: (s.finishedAt ?? s.startedAt).getTime() - s.startedAt.getTime(),
      attributes: { ...base, "slipway.build.stage": s.name, "slipway.build.stage.status": s.status },
      error: s.status === "failed" ? (s.detail ?? "failed") : null,
    });
  }
}
