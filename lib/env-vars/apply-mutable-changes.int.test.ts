import { describe, expect, it } from "vitest";
import { changeEnvVars } from "@/lib/env-vars/change-env-vars";
import type { Environment } from "@/lib/generated/prisma/enums";
import { seal, unseal } from "@/lib/secrets/seal";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, seedEnvVar, testDataDir, testSecretKey } from "@/lib/testing/deploy";

const db = testDb();
testDataDir();

type Seeded = { environment?: Environment; branch?: string; runtime?: "running" | "stopped" | "failed" | null; env: Record<string, string>; mutableKeys: string[] };

// A built server deployment as run-build leaves it: its sealed variables, the keys that were mutable, a runtime row.
async function seedDeployment(projectId: string, d: Seeded) {
  const row = await db.deployment.create({
    data: {
      projectId,
      environment: d.environment ?? "production",
      branch: d.branch ?? "main",
      commitSha: "a".repeat(40),
      sourceKind: "archive",
      status: "live",
      createdByKind: "user",
      runtimeEnvEnc: seal(testSecretKey(), JSON.stringify(d.env)),
      mutableKeys: d.mutableKeys,
    },
  });
  if (d.runtime) await db.deploymentRuntime.create({ data: { deploymentId: row.id, state: d.runtime } });
  return row;
}

const envOf = async (id: string) => {
  const d = await db.deployment.findUniqueOrThrow({ where: { id } });
  return { env: JSON.parse(unseal(testSecretKey(), d.runtimeEnvEnc!)), revision: d.envRevision };
};

describe("applyMutableChanges", () => {
  it("reaches the servers that run or that a route serves, only for the keys mutable when they were built", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const flags = await seedEnvVar(db, project.id, { key: "FLAGS", value: "new", targets: ["production", "preview"], mutable: true });
    const fixed = await seedEnvVar(db, project.id, { key: "DB_URL", value: "postgres://new", targets: ["production", "preview"] });
    const built = { FLAGS: "old", DB_URL: "postgres://old" };
    const running = await seedDeployment(project.id, { runtime: "running", env: built, mutableKeys: ["FLAGS"] });
    // Scaled to zero, but a branch route serves it: its next start takes the new value.
    const preview = await seedDeployment(project.id, { environment: "preview", branch: "feat", runtime: "stopped", env: built, mutableKeys: ["FLAGS"] });
    await db.route.create({ data: { name: `feat-${project.slug}`, kind: "branch", projectId: project.id, branch: "feat", liveDeploymentId: preview.id } });
    // Not running and in no route: it keeps what it was built with (a Promote serves it so).
    const old = await seedDeployment(project.id, { runtime: "stopped", env: built, mutableKeys: ["FLAGS"] });
    // Built before FLAGS was mutable.
    const before = await seedDeployment(project.id, { runtime: "running", env: built, mutableKeys: [] });
    // Static files or functions: no runtime to restart.
    const files = await seedDeployment(project.id, { runtime: null, env: built, mutableKeys: ["FLAGS"] });

    const result = await changeEnvVars({
      ctx,
      slug: project.slug,
      input: {
        changes: [
          { op: "update", id: flags.id, value: "newer" },
          { op: "update", id: fixed.id, value: "postgres://newer" },
        ],
      },
    });
    expect(result.applied).toEqual([
      { deploymentId: running.id, environment: "production", branch: "main", keys: ["FLAGS"] },
      { deploymentId: preview.id, environment: "preview", branch: "feat", keys: ["FLAGS"] },
    ]);
    for (const id of [running.id, preview.id]) expect(await envOf(id)).toEqual({ env: { FLAGS: "newer", DB_URL: "postgres://old" }, revision: 1 });
    for (const id of [old.id, before.id, files.id]) expect(await envOf(id)).toEqual({ env: built, revision: 0 });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: project.id, action: "env.update" }, orderBy: { id: "desc" } });
    expect((audit.data as { restarted: unknown }).restarted).toEqual([
      { deployment: running.id, keys: ["FLAGS"] },
      { deployment: preview.id, keys: ["FLAGS"] },
    ]);

    // The same value again restarts nothing; a dry run writes nothing.
    expect((await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "update", id: flags.id, value: "newer" }] } })).applied).toEqual([]);
    const dry = await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "update", id: flags.id, value: "dry" }], dryRun: true } });
    expect(dry.applied).toEqual([]);
    expect((await envOf(running.id)).revision).toBe(1);

    // No longer mutable: a new value waits for the next deployment. Deleted while mutable: it leaves the running env.
    await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "update", id: flags.id, value: "later", mutable: false }] } });
    expect(await envOf(running.id)).toEqual({ env: { FLAGS: "newer", DB_URL: "postgres://old" }, revision: 1 });
    const again = await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "update", id: flags.id, mutable: true }] } });
    expect(again.applied.map((a) => a.deploymentId)).toEqual([running.id, preview.id]);
    expect((await envOf(running.id)).env.FLAGS).toBe("later");
    await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "delete", id: flags.id }] } });
    expect(await envOf(running.id)).toEqual({ env: { DB_URL: "postgres://old" }, revision: 3 });
  });
});
