import { z } from "zod";
import type { ServerSettings } from "@/lib/build/build-settings";
import type { Ctx } from "@/lib/auth/ctx";
import { can } from "@/lib/auth/roles";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { isServer } from "@/lib/runtime/await-runtime";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

// What the deployment page shows of a server deployment's runtime (seed 003):
// its state and why, how it is run, and each instance on each machine.
export const runtimeInstanceSchema = z.object({
  node: z.string(),
  slot: z.number(),
  state: z.enum(["starting", "ready", "draining", "crashed"]),
  restarts: z.number(),
  /** The deployment's envRevision it started with: older ones run with the values before a mutable change. */
  envRevision: z.number(),
  memoryKb: z.number().nullable(),
  lastError: z.string().nullable(),
  startedAt: z.string(),
  readyAt: z.string().nullable(),
});

export const runtimeLogLineSchema = z.object({ at: z.string(), instance: z.string().nullable(), stream: z.enum(["stdout", "stderr"]), text: z.string() });

export const runtimeViewSchema = z.object({
  server: z.boolean(),
  /** Seed 003's debug mode: its last output lines (kept for every deployment: the Logs view) and the names of its variables shown here. */
  debug: z.boolean(),
  /** When its fixed lifetime ends (its deployment URL then answers 404), if it has one. */
  expiresAt: z.string().nullable(),
  /** Debug only: the names (never values) of the variables its instances start with. */
  variables: z.array(z.string()).nullable(),
  /** The keys that can change while it runs (mutable when it was built); names only, for those who may read variables. */
  mutableKeys: z.array(z.string()),
  /** How many mutable changes it has taken since it was built. */
  envRevision: z.number(),
  /** Debug only: the last lines its instances wrote, oldest first. */
  logs: z.array(runtimeLogLineSchema),
  detected: z.object({ framework: z.string(), reason: z.string() }).nullable(),
  settings: z.object({ start: z.string(), healthCheckPath: z.string().nullable(), instances: z.number(), memoryMb: z.number() }).nullable(),
  state: z.enum(["deploying", "running", "tearing_down", "stopped", "failed"]).nullable(),
  reason: z.string().nullable(),
  updatedAt: z.string().nullable(),
  instances: z.array(runtimeInstanceSchema),
});

export type RuntimeView = z.infer<typeof runtimeViewSchema>;
export type RuntimeInstanceView = z.infer<typeof runtimeInstanceSchema>;

const DEBUG_LINES = 200;

export async function getRuntime({ ctx, id }: { ctx: Ctx; id: string }): Promise<RuntimeView> {
  const { deployment, role } = await loadDeployment(ctx, id);
  const debug = deployment.debug && isServer(deployment.buildSettings);
  const settings = deployment.buildSettings as { server?: ServerSettings | null; detected?: RuntimeView["detected"] } | null;
  const server = isServer(deployment.buildSettings);
  const [runtime, instances] = server
    ? await Promise.all([
        ctx.db.deploymentRuntime.findUnique({ where: { deploymentId: id } }),
        ctx.db.runtimeInstance.findMany({ where: { deploymentId: id }, orderBy: [{ node: "asc" }, { slot: "asc" }] }),
      ])
    : [null, []];
  const logs = debug
    ? await ctx.db.logLine.findMany({ where: { deploymentId: id, source: { in: ["stdout", "stderr"] } }, orderBy: { id: "desc" }, take: DEBUG_LINES })
    : [];
  return runtimeViewSchema.parse({
    server,
    debug,
    expiresAt: deployment.expiresAt?.toISOString() ?? null,
    variables: debug ? await variableNames(deployment.runtimeEnvEnc) : null,
    mutableKeys: server && can(role, "env.read") ? deployment.mutableKeys : [],
    envRevision: deployment.envRevision,
    logs: logs.reverse().map((l) => ({ at: l.at.toISOString(), instance: l.instance, stream: l.source, text: l.text })),
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
      envRevision: i.envRevision,
      memoryKb: i.memoryKb,
      lastError: i.lastError,
      startedAt: i.startedAt.toISOString(),
      readyAt: i.readyAt?.toISOString() ?? null,
    })),
  });
}

// Names only: the values stay sealed.
async function variableNames(sealed: string | null): Promise<string[] | null> {
  if (!sealed) return [];
  try {
    return Object.keys(JSON.parse(unseal(await currentSecretKey(), sealed)) as Record<string, string>).sort();
  } catch (e) {
    if (e instanceof UnsealError) return null;
    throw e;
  }
}
