import { z } from "zod";
import type { ServerSettings } from "@/lib/build/build-settings";
import type { Ctx } from "@/lib/auth/ctx";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { isServer } from "@/lib/runtime/await-runtime";

// What the deployment page shows of a server deployment's runtime (seed 003):
// its state and why, how it is run, and each instance on each machine.
export const runtimeInstanceSchema = z.object({
  node: z.string(),
  slot: z.number(),
  state: z.enum(["starting", "ready", "draining", "crashed"]),
  restarts: z.number(),
  memoryKb: z.number().nullable(),
  lastError: z.string().nullable(),
  startedAt: z.string(),
  readyAt: z.string().nullable(),
});

export const runtimeViewSchema = z.object({
  server: z.boolean(),
  detected: z.object({ framework: z.string(), reason: z.string() }).nullable(),
  settings: z.object({ start: z.string(), healthCheckPath: z.string().nullable(), instances: z.number(), memoryMb: z.number() }).nullable(),
  state: z.enum(["deploying", "running", "tearing_down", "stopped", "failed"]).nullable(),
  reason: z.string().nullable(),
  updatedAt: z.string().nullable(),
  instances: z.array(runtimeInstanceSchema),
});

export type RuntimeView = z.infer<typeof runtimeViewSchema>;
export type RuntimeInstanceView = z.infer<typeof runtimeInstanceSchema>;

export async function getRuntime({ ctx, id }: { ctx: Ctx; id: string }): Promise<RuntimeView> {
  const { deployment } = await loadDeployment(ctx, id);
  const settings = deployment.buildSettings as { server?: ServerSettings | null; detected?: RuntimeView["detected"] } | null;
  const server = isServer(deployment.buildSettings);
  const [runtime, instances] = server
    ? await Promise.all([
        ctx.db.deploymentRuntime.findUnique({ where: { deploymentId: id } }),
        ctx.db.runtimeInstance.findMany({ where: { deploymentId: id }, orderBy: [{ node: "asc" }, { slot: "asc" }] }),
      ])
    : [null, []];
  return runtimeViewSchema.parse({
    server,
    detected: settings?.detected ?? null,
    settings: server ? (settings?.server ?? null) : null,
    state: runtime?.state ?? null,
    reason: runtime?.reason ?? null,
    updatedAt: runtime?.updatedAt.toISOString() ?? null,
    instances: instances.map((i) => ({
      node: i.node,
      slot: i.slot,
      state: i.state,
      restarts: i.restarts,
      memoryKb: i.memoryKb,
      lastError: i.lastError,
      startedAt: i.startedAt.toISOString(),
      readyAt: i.readyAt?.toISOString() ?? null,
    })),
  });
}
