import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { userCtx } from "@/lib/auth/ctx";
import type { ActorKind } from "@/lib/generated/prisma/enums";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, unique } from "@/lib/testing/seed";
import { createApiToken } from "@/lib/tokens/create-api-token";
import { tokenCtx } from "@/lib/tokens/authenticate-token";

const db = testDb();

type Seeded = { id: bigint; actorKind: ActorKind; actorId: string | null; action: string; targetType: string; targetId: string; createdAt: Date };

const ACTIONS = ["deployment.create", "deployment.promote", "deployment.publish", "token.create", "member.invite", "project.update", "envXupdate", "env.update"];

// A team with an owner, an admin (Alice) who also acts through a token, a
// developer and a viewer, and 90 audit rows written in shuffled order so ids
// do not follow time; every third row shares its created_at with two others.
async function seedAuditLog() {
  const { team, user: owner } = await seedTeam(db, "owner");
  const alice = await seedMember(db, team.id, "admin");
  const developer = await seedMember(db, team.id, "developer");
  const viewer = await seedMember(db, team.id, "viewer");
  const token = await db.apiToken.create({
    data: { teamId: team.id, userId: alice.id, name: unique("ci"), prefix: "slw_x", tokenHash: unique("hash"), role: "admin" },
  });
  const project = await db.project.create({ data: { teamId: team.id, slug: unique("proj"), name: "Audit Demo", sourceKind: "archive" } });
  const actors: { actorKind: ActorKind; actorId: string | null }[] = [
    { actorKind: "user", actorId: owner.id },
    { actorKind: "user", actorId: alice.id },
    { actorKind: "token", actorId: token.id },
    { actorKind: "system", actorId: null },
    { actorKind: "user", actorId: developer.id },
  ];
  const targets = [
    { targetType: "project", targetId: project.id },
    { targetType: "deployment", targetId: randomUUID() },
    { targetType: "api_token", targetId: token.id },
    { targetType: "project", targetId: randomUUID() },
  ];
  const base = Date.parse("2030-01-01T00:00:00.000Z");
  const specs = Array.from({ length: 90 }, (_, i) => ({
    teamId: team.id,
    ...actors[(i * 7) % actors.length],
    action: ACTIONS[(i * 5) % ACTIONS.length],
    ...targets[(i * 3) % targets.length],
    data: { n: i },
    createdAt: new Date(base + Math.floor(i / 3) * 60_000),
  }));
  // Insert in a shuffled (but fixed) order.
  const order = specs.map((_, i) => i).sort((a, b) => ((a * 37) % 91) - ((b * 37) % 91));
  const seeded: Seeded[] = [];
  for (const i of order) {
    const row = await db.auditEvent.create({ data: specs[i] });
    seeded.push(row);
  }
  // Another team's rows must never show up.
  const other = await seedTeam(db, "owner");
  await db.auditEvent.create({ data: { teamId: other.team.id, actorKind: "user", actorId: alice.id, action: "deployment.create", targetType: "project", targetId: project.id, createdAt: new Date(base) } });
  return { team, owner, alice, developer, viewer, token, project, seeded, base };
}

// Every page under a filter, following nextCursor to the end.
async function walk(ctx: ReturnType<typeof userCtx>, input: Record<string, unknown>, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await listAuditEvents({ ctx, input: { ...input, limit, cursor } });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    ids.push(...page.events.map((e) => e.id));
    if (!page.nextCursor) return ids;
    expect(page.events.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

const newestFirst = (a: Seeded, b: Seeded) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0);

describe("listAuditEvents", () => {
  it("walks every page of every filter in (createdAt, id) order, exactly the rows an in-memory filter keeps", async () => {
    const s = await seedAuditLog();
    const ctx = userCtx(db, s.owner.id);
    const at = (minutes: number) => new Date(s.base + minutes * 60_000);
    const cases: { input: Record<string, unknown>; keep: (r: Seeded) => boolean }[] = [
      { input: {}, keep: () => true },
      // Alice's own actions and her token's.
      { input: { actor: s.alice.id }, keep: (r) => r.actorId === s.alice.id || r.actorId === s.token.id },
      { input: { actor: s.owner.id }, keep: (r) => r.actorId === s.owner.id },
      { input: { actor: "system" }, keep: (r) => r.actorKind === "system" },
      { input: { action: "deployment.promote" }, keep: (r) => r.action === "deployment.promote" },
      { input: { actionPrefix: "deployment." }, keep: (r) => r.action.startsWith("deployment.") },
      // "_" is a LIKE wildcard: the prefix must still match literally ("envXupdate" is not "env_…").
      { input: { actionPrefix: "env_" }, keep: (r) => r.action.startsWith("env_") },
      { input: { actionPrefix: "env" }, keep: (r) => r.action.startsWith("env") },
      { input: { targetType: "project" }, keep: (r) => r.targetType === "project" },
      { input: { targetType: "project", targetId: s.project.id }, keep: (r) => r.targetType === "project" && r.targetId === s.project.id },
      { input: { targetId: s.token.id }, keep: (r) => r.targetId === s.token.id },
      // From is inclusive, To exclusive; both fall on minutes shared by three rows.
      { input: { from: at(5).toISOString(), to: at(17).toISOString() }, keep: (r) => r.createdAt >= at(5) && r.createdAt < at(17) },
      { input: { from: at(20).toISOString() }, keep: (r) => r.createdAt >= at(20) },
      { input: { to: at(3).toISOString() }, keep: (r) => r.createdAt < at(3) },
      {
        input: { actor: s.alice.id, actionPrefix: "deployment.", from: at(4).toISOString(), to: at(25).toISOString() },
        keep: (r) => (r.actorId === s.alice.id || r.actorId === s.token.id) && r.action.startsWith("deployment.") && r.createdAt >= at(4) && r.createdAt < at(25),
      },
      { input: { action: "no.such" }, keep: () => false },
    ];
    for (const { input, keep } of cases) {
      const expected = s.seeded.filter(keep).sort(newestFirst).map((r) => r.id.toString());
      for (const limit of [4, 7, 100]) {
        expect(await walk(ctx, { teamId: s.team.id, ...input }, limit), `${JSON.stringify(input)} limit ${limit}`).toEqual(expected);
      }
    }
    // The filters are not vacuous on this data set.
    expect(s.seeded.filter((r) => r.actorId === s.token.id).length).toBeGreaterThan(0);
    expect(new Set(s.seeded.map((r) => r.createdAt.getTime())).size).toBe(30);
  });

  it("names the actor (member, token and owner, system) and the object, and returns the data", async () => {
    const s = await seedAuditLog();
    const { events } = await listAuditEvents({ ctx: userCtx(db, s.owner.id), input: { teamId: s.team.id, limit: 100 } });
    const byId = new Map(events.map((e) => [e.id, e]));
    const one = (pick: (r: Seeded) => boolean) => byId.get(s.seeded.find(pick)!.id.toString())!;

    const alice = await db.user.findUniqueOrThrow({ where: { id: s.alice.id } });
    expect(one((r) => r.actorId === s.alice.id).actor).toEqual({ kind: "user", id: s.alice.id, label: alice.name, detail: alice.email });
    expect(one((r) => r.actorId === s.token.id).actor).toEqual({ kind: "token", id: s.token.id, label: `token: ${s.token.name}`, detail: `${alice.name} (${alice.email})` });
    expect(one((r) => r.actorKind === "system").actor).toMatchObject({ kind: "system", label: "system" });

    expect(one((r) => r.targetId === s.project.id).target).toEqual({ type: "project", id: s.project.id, label: "Audit Demo", href: `/projects/${s.project.slug}` });
    expect(one((r) => r.targetType === "api_token").target).toMatchObject({ label: s.token.name });
    // A deployment that no longer exists keeps its id, without a link.
    expect(one((r) => r.targetType === "deployment").target).toMatchObject({ type: "deployment", label: null, href: null });
    const row = one(() => true);
    expect(row.data).toEqual({ n: expect.any(Number) });
  });

  it("is for admins and owners: developers and viewers are refused, outsiders and other teams' tokens find no team", async () => {
    const s = await seedAuditLog();
    const input = { teamId: s.team.id };
    expect((await listAuditEvents({ ctx: userCtx(db, s.alice.id), input })).events.length).toBe(50);
    for (const user of [s.developer, s.viewer]) {
      const error = await appError(listAuditEvents({ ctx: userCtx(db, user.id), input }));
      expect(error.code).toBe("forbidden");
    }
    const outsider = await seedTeam(db, "owner");
    expect((await appError(listAuditEvents({ ctx: userCtx(db, outsider.user.id), input }))).code).toBe("not_found");

    // An admin's token with developer access stays below the policy.
    const { token: devToken } = await createApiToken({ ctx: userCtx(db, s.alice.id), input: { teamId: s.team.id, name: "dev", role: "developer", expiresInDays: 7 } });
    expect((await appError(listAuditEvents({ ctx: await tokenCtx(db, devToken), input }))).code).toBe("forbidden");
    const { token: adminToken } = await createApiToken({ ctx: userCtx(db, s.alice.id), input: { teamId: s.team.id, name: "adm", role: "admin", expiresInDays: 7 } });
    expect((await listAuditEvents({ ctx: await tokenCtx(db, adminToken), input: { ...input, action: "token.create" } })).events.length).toBeGreaterThan(0);
  });

  it("rejects a forged cursor, a reversed time range and an unknown actor shape", async () => {
    const s = await seedAuditLog();
    const ctx = userCtx(db, s.owner.id);
    const bad = async (extra: Record<string, unknown>) => (await appError(listAuditEvents({ ctx, input: { teamId: s.team.id, ...extra } }))).code;
    expect(await bad({ cursor: "not-a-cursor" })).toBe("invalid");
    expect(await bad({ from: "2030-01-02T00:00:00Z", to: "2030-01-01T00:00:00Z" })).toBe("invalid");
    expect(await bad({ actor: "alice" })).toBe("invalid");
    expect(await bad({ from: "yesterday" })).toBe("invalid");
  });
});

