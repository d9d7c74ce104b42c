import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/lib/db/client";
import { BUILDING } from "@/lib/deployments/lifecycle";
import { removeWorkspace } from "@/lib/sandbox/workspace";

// Workspaces of builds that are over but were not cleaned up, because their
// worker was killed mid-build: the directory, and the tmpfs mounted on it
// (memory that would otherwise stay taken until a reboot). Every worker runs
// this with the lost-build reaper; a workspace whose deployment is still
// building (here or on another worker of this machine) is left alone.
export async function sweepWorkspaces(db: Db, dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, "workspaces");
  const ids = (await readdir(root).catch(() => [] as string[])).filter((n) => /^[0-9a-f-]{36}$/.test(n));
  if (ids.length === 0) return [];
  const building = new Set(
    (await db.deployment.findMany({ where: { id: { in: ids }, status: { in: [...BUILDING] } }, select: { id: true } })).map((d) => d.id),
  );
  const stale = ids.filter((id) => !building.has(id));
  for (const id of stale) await removeWorkspace(path.join(root, id)).catch(() => undefined);
  return stale;
}
