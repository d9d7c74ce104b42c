import { actorColumns, type Actor } from "@/lib/auth/ctx";
import type { Tx } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";

// The deployment lifecycle (ARCHITECTURE.md): which status may follow which.
// Every change goes through `transition`, which writes the status and its event
// row together and only if the deployment is still where the caller expects.
export const NEXT: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  queued: ["building", "failed", "canceled"],
  building: ["built", "failed", "canceled"],
  built: ["uploading", "failed", "canceled"],
  uploading: ["live", "canary", "failed", "canceled"],
  canary: ["live", "failed", "canceled"],
  live: ["superseded"],
  superseded: ["live"],
  failed: [],
  canceled: [],
};

export const TERMINAL: readonly DeploymentStatus[] = ["live", "superseded", "failed", "canceled"];
// Statuses in which a worker holds the deployment's build.
export const BUILDING: readonly DeploymentStatus[] = ["building", "built", "uploading"];
export const CANCELABLE: readonly DeploymentStatus[] = ["queued", "building", "built", "uploading"];

export const isTerminal = (s: DeploymentStatus) => TERMINAL.includes(s);

export type TransitionArgs = {
  deploymentId: string;
  from: readonly DeploymentStatus[];
  to: DeploymentStatus;
  actor: Actor;
  reason?: string | null;
  data?: Omit<Prisma.DeploymentUncheckedUpdateManyInput, "status">;
};

// Returns false (and writes nothing) when the deployment is no longer in one of
// `from`, e.g. it was canceled while the worker was building it.
export async function transition(tx: Tx, args: TransitionArgs): Promise<boolean> {
  const allowed = args.from.filter((f) => NEXT[f].includes(args.to));
  if (allowed.length === 0) throw new Error(`No transition from ${args.from.join("|")} to ${args.to}`);
  const current = await tx.deployment.findUnique({ where: { id: args.deploymentId }, select: { status: true } });
  if (!current || !allowed.includes(current.status)) return false;
  const now = new Date();
  const { count } = await tx.deployment.updateMany({
    where: { id: args.deploymentId, status: current.status },
    data: {
      ...args.data,
      status: args.to,
      ...(args.to === "building" ? { startedAt: now } : {}),
      ...(args.to === "live" && current.status === "uploading" ? { readyAt: now } : {}),
      ...(["failed", "canceled"].includes(args.to) || (args.to === "live" && current.status !== "superseded")
        ? { finishedAt: now }
        : {}),
    },
  });
  if (count === 0) return false;
  const { actorKind, actorId } = actorColumns(args.actor);
  await tx.deploymentEvent.create({
    data: {
      deploymentId: args.deploymentId,
      fromStatus: current.status,
      toStatus: args.to,
      actorKind,
      actorId,
      reason: args.reason ?? null,
    },
  });
  return true;
}
