// A project with a large, realistic deployment history (lib/deployments/testing/history-fixture.ts):
// a team of six people (one owner), three API tokens, `count` deployments bulk
// inserted, and the live routes publish would leave. For the history and load benches.
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { historyRows, insertHistory, type HistoryRow } from "@/lib/deployments/testing/history-fixture";
import { createProject } from "@/lib/projects/create-project";
import { routeNameFor } from "@/lib/routes/route-names";

export type SeededHistory = { ctx: Ctx; slug: string; projectId: string; teamId: string; userIds: string[]; rows: HistoryRow[] };

export async function seedHistory(db: Db, count: number): Promise<SeededHistory> {
  const suffix = Math.random().toString(16).slice(2, 10);
  const team = await db.team.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  const users = [];
  for (let i = 0; i < 6; i++) {
    const user = await db.user.create({ data: { email: `dev${i}-${suffix}@example.test`, name: `Developer ${i}`, passwordHash: "x" } });
    await db.membership.create({ data: { teamId: team.id, userId: user.id, role: i === 0 ? "owner" : "developer" } });
    users.push(user);
  }
  const tokens = [];
  for (let i = 0; i < 3; i++) {
    tokens.push(await db.apiToken.create({ data: { teamId: team.id, userId: users[i].id, name: `ci-${i}`, prefix: "slw_", tokenHash: `bench-${suffix}-${i}`, role: "developer" } }));
  }
  const ctx = userCtx(db, users[0].id);
  const project = await createProject({ ctx, input: { teamId: team.id, name: "History", slug: `history-${suffix}`, sourceKind: "git", gitUrl: "https://git.example.com/acme/app.git" } });
  const rows = historyRows({ projectId: project.id, count, authors: { userIds: users.map((u) => u.id), tokenIds: tokens.map((t) => t.id) } });
  const t0 = performance.now();
  await insertHistory(db, rows);
  console.log(`  seeded ${rows.length} deployments in ${((performance.now() - t0) / 1000).toFixed(1)} s (${new Set(rows.map((r) => r.branch)).size} branches, ${users.length} people, ${tokens.length} tokens)`);
  // Live routes for the live deployments, as publish leaves them.
  for (const r of rows.filter((r) => r.status === "live")) {
    const name = routeNameFor(project.slug, r.environment, r.branch);
    await db.route.upsert({
      where: { name },
      create: { name, kind: r.environment === "production" ? "production" : "branch", projectId: project.id, branch: r.environment === "production" ? null : r.branch, liveDeploymentId: r.id },
      update: { liveDeploymentId: r.id },
    });
  }
  await db.$executeRawUnsafe("ANALYZE deployments");
  return { ctx, slug: project.slug, projectId: project.id, teamId: team.id, userIds: users.map((u) => u.id), rows };
}
