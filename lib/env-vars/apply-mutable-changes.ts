import type { Tx } from "@/lib/db/client";
import { z } from "zod";
import { resolveEnv } from "@/lib/env-vars/resolve-env";
import type { SecretKey } from "@/lib/secrets/keyring";
import { seal, unseal } from "@/lib/secrets/seal";

// One deployment a save restarts (in POST /api/projects/:slug/env's answer, `applied`).
export const appliedChange = z.object({
  deploymentId: z.string(),
  environment: z.enum(["production", "preview", "development"]),
  branch: z.string(),
  keys: z.array(z.string()),
});
export type AppliedChange = z.infer<typeof appliedChange>;

// Seed 003's in-place edit: after a save, the server deployments that run (or
// that a route serves, scaled to zero or not) take the new values of the keys
// that were mutable when they were built and still are. Their runtimeEnvEnc is
// resealed and envRevision bumped, and each machine's runtime supervisor
// replaces their instances one at a time. Every other key keeps the value it
// was built with: those changes need a new deployment. A mutable key that is
// gone from the project goes from the deployment too.
export async function applyMutableChanges(
  tx: Tx,
  opts: { projectId: string; keys: string[]; secretKey: SecretKey },
): Promise<AppliedChange[]> {
  if (opts.keys.length === 0) return [];
  const routes = await tx.route.findMany({ where: { projectId: opts.projectId }, select: { liveDeploymentId: true, canaryDeploymentId: true } });
  const routed = routes.flatMap((r) => [r.liveDeploymentId, r.canaryDeploymentId]).filter((id): id is string => id !== null);
  const deployments = await tx.deployment.findMany({
    where: {
      projectId: opts.projectId,
      mutableKeys: { hasSome: opts.keys },
      runtimeEnvEnc: { not: null },
      runtime: { isNot: null },
      OR: [{ runtime: { state: { in: ["deploying", "running"] } } }, { id: { in: routed } }],
    },
    select: { id: true, environment: true, branch: true, mutableKeys: true, runtimeEnvEnc: true },
    orderBy: { createdAt: "asc" },
  });
  const resolved = new Map<string, Awaited<ReturnType<typeof resolveEnv>>>();
  const applied: AppliedChange[] = [];
  for (const d of deployments) {
    const scope = `${d.environment}\0${d.environment === "preview" ? d.branch : ""}`;
    if (!resolved.has(scope)) resolved.set(scope, await resolveEnv(tx, { projectId: opts.projectId, environment: d.environment, branch: d.branch, key: opts.secretKey }));
    const now = new Map(resolved.get(scope)!.map((v) => [v.key, v]));
    const env = JSON.parse(unseal(opts.secretKey, d.runtimeEnvEnc!)) as Record<string, string>;
    const keys: string[] = [];
    for (const key of d.mutableKeys) {
      const v = now.get(key);
      if (v && !v.mutable) continue; // no longer mutable: it keeps its built value
      if (v ? env[key] === v.value : !(key in env)) continue;
      if (v) env[key] = v.value;
      else delete env[key];
      keys.push(key);
    }
    if (keys.length === 0) continue;
    await tx.deployment.update({ where: { id: d.id }, data: { runtimeEnvEnc: seal(opts.secretKey, JSON.stringify(env)), envRevision: { increment: 1 } } });
    applied.push({ deploymentId: d.id, environment: d.environment, branch: d.branch, keys: keys.sort() });
  }
  return applied;
}
