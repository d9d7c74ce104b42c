import { describe, expect, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import type { Role } from "@/lib/generated/prisma/enums";
import { changeMemberRole } from "@/lib/teams/change-member-role";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam } from "@/lib/testing/seed";

const db = testDb();

const change = (actorId: string, teamId: string, userId: string, role: Role) =>
  changeMemberRole({ ctx: userCtx(db, actorId), input: { teamId, userId, role } });

const roleOf = async (teamId: string, userId: string) =>
  (await db.membership.findUniqueOrThrow({ where: { teamId_userId: { teamId, userId } } })).role;

describe("changeMemberRole", () => {
  it("lets an admin promote a viewer to developer, with an audit row", async () => {
    const { team, user: admin } = await seedTeam(db, "admin");
    const viewer = await seedMember(db, team.id, "viewer");

    expect((await change(admin.id, team.id, viewer.id, "developer")).role).toBe("developer");
    expect(await roleOf(team.id, viewer.id)).toBe("developer");
    const audits = await db.auditEvent.findMany({ where: { teamId: team.id, action: "member.changeRole" } });
    expect(audits).toEqual([
      expect.objectContaining({ actorId: admin.id, targetId: viewer.id, data: { from: "viewer", to: "developer" } }),
    ]);
  });

  it("keeps the owner role out of an admin's hands", async () => {
    const { team, user: admin } = await seedTeam(db, "admin");
    const owner = await seedMember(db, team.id, "owner");
    const viewer = await seedMember(db, team.id, "viewer");

    expect((await appError(change(admin.id, team.id, owner.id, "admin"))).code).toBe("forbidden");
    expect((await appError(change(admin.id, team.id, viewer.id, "owner"))).code).toBe("forbidden");
    expect(await roleOf(team.id, owner.id)).toBe("owner");
    expect(await roleOf(team.id, viewer.id)).toBe("viewer");
    expect(await db.auditEvent.count({ where: { teamId: team.id } })).toBe(0);
  });

  it("refuses a developer (forbidden) and someone outside the team (not_found)", async () => {
    const { team, user: developer } = await seedTeam(db, "developer");
    const viewer = await seedMember(db, team.id, "viewer");
    const { user: outsider } = await seedTeam(db, "owner");

    expect((await appError(change(developer.id, team.id, viewer.id, "developer"))).code).toBe("forbidden");
    expect((await appError(change(outsider.id, team.id, viewer.id, "developer"))).code).toBe("not_found");
  });

  it("never demotes the last owner", async () => {
    const { team, user: owner } = await seedTeam(db, "owner");

    const error = await appError(change(owner.id, team.id, owner.id, "admin"));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/at least one owner/);
    expect(await roleOf(team.id, owner.id)).toBe("owner");
  });

  it("lets one of two owners step down, but not both at once", async () => {
    // Several teams at once, so the two demotions in a team really do overlap.
    const teams = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const { team, user: a } = await seedTeam(db, "owner");
        return { teamId: team.id, a: a.id, b: (await seedMember(db, team.id, "owner")).id };
      }),
    );
    const results = await Promise.allSettled(
      teams.flatMap(({ teamId, a, b }) => [change(a, teamId, b, "admin"), change(b, teamId, a, "admin")]),
    );

    for (const [i, { teamId }] of teams.entries()) {
      const pair = results.slice(2 * i, 2 * i + 2);
      expect(pair.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      // The loser saw the other demotion first (no longer an owner: forbidden) or
      // waited on the owner rows' lock and found itself the last owner (conflict).
      const loser = pair.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(["forbidden", "conflict"]).toContain(loser.reason.code);
      expect(await db.membership.count({ where: { teamId, role: "owner" } })).toBe(1);
    }
  });
});
