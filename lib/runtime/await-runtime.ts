import type { PrismaClient } from "@/lib/generated/prisma/client";
import { REQUEST_RUNTIME_SQL } from "@/lib/runtime/request-runtime";

export class RuntimeNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeNotReady";
  }
}

export type AwaitRuntimeOptions = { timeoutMs: number; pollMs?: number; signal?: AbortSignal };

/**
 * Asks for a server deployment's runtime (deploying, or again after it was
 * stopped or failed) and waits until its instances are ready: publish and
 * Promote route traffic to a server only then. Throws RuntimeNotReady with
 * the reason when it fails or nothing runs it in time.
 */
export async function awaitRuntime(db: PrismaClient, deploymentId: string, opts: AwaitRuntimeOptions): Promise<void> {
  await requestRuntime(db, deploymentId);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const row = await db.deploymentRuntime.findUnique({ where: { deploymentId }, select: { state: true, reason: true } });
    if (row?.state === "running") return;
    if (row?.state === "failed") throw new RuntimeNotReady(`The server did not start: ${row.reason ?? "no reason given"}`);
    if (!row || row.state === "stopped" || row.state === "tearing_down") await requestRuntime(db, deploymentId);
    if (opts.signal?.aborted) throw new RuntimeNotReady("Canceled while the server was starting.");
    if (Date.now() > deadline) {
      throw new RuntimeNotReady(
        row?.state === "deploying"
          ? `The server was not ready within ${Math.round(opts.timeoutMs / 1000)} s.`
          : `No runtime process took it up within ${Math.round(opts.timeoutMs / 1000)} s (npm start runs one; alone: npm start -- --only runtime).`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

/** Marks a server deployment's runtime as wanted now; one that was stopped or failed starts again. */
export async function requestRuntime(db: PrismaClient, deploymentId: string): Promise<void> {
  await db.$queryRawUnsafe(REQUEST_RUNTIME_SQL, deploymentId, true);
}

/** Whether a deployment's effective build settings make it a server. */
export function isServer(buildSettings: unknown): boolean {
  return (buildSettings as { runtime?: unknown } | null)?.runtime === "server";
}
