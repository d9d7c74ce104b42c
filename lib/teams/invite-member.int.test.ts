import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { inviteMember } from "@/lib/teams/invite-member";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, unique } from "@/lib/testing/seed";

const db = testDb();
const newEmail = () => `${unique("invitee")}@example.test`;

describe("inviteMember", () => {
  it("lets an admin invite; the token is returned once and stored only as its sha256", async () => {
    const { team, user: admin } = await seedTeam(db, "admin");
    const email = newEmail();
    const result = await inviteMember({ ctx: userCtx(db, admin.id), input: { teamId: team.id, email, role: "developer" } });

    expect(result.token.length).toBeGreaterThanOrEqual(32);
    const row = await db.invitation.findUniqueOrThrow({ where: { id: result.id } });
    expect(row).toMatchObject({ teamId: team.id, email, role: "developer", invitedById: admin.id, acceptedAt: null });
    expect(row.tokenHash).toBe(createHash("sha256").update(result.token).digest("hex"));
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const audits = await db.auditEvent.findMany({ where: { targetType: "invitation", targetId: result.id } });
    expect(audits).toEqual([expect.objectContaining({ action: "member.invite", actorId: admin.id, teamId: team.id })]);
    expect(JSON.stringify([row, audits[0].data])).not.toContain(result.token);
  });

  it("stores the email lower-cased, so accepting matches the account", async () => {
    const { team, user: owner } = await seedTeam(db, "owner");
    const email = newEmail();
    const result = await inviteMember({
      ctx: userCtx(db, owner.id),
      input: { teamId: team.id, email: `  ${email.toUpperCase()} `, role: "viewer" },
    });
    expect(result.email).toBe(email);
  });

  it("refuses a developer (forbidden) and someone outside the team (not_found)", async () => {
    const { team, user: developer } = await seedTeam(db, "developer");
    const { user: outsider } = await seedTeam(db, "owner");
    const email = newEmail();
    const input = { teamId: team.id, email, role: "viewer" };

    expect((await appError(inviteMember({ ctx: userCtx(db, developer.id), input }))).code).toBe("forbidden");
    expect((await appError(inviteMember({ ctx: userCtx(db, outsider.id), input }))).code).toBe("not_found");
    expect(await db.invitation.count({ where: { email } })).toBe(0);
  });

  it("lets only an owner invite an owner", async () => {
    const { team, user: admin } = await seedTeam(db, "admin");
    const owner = await seedMember(db, team.id, "owner");
    const input = { teamId: team.id, email: newEmail(), role: "owner" };

    expect((await appError(inviteMember({ ctx: userCtx(db, admin.id), input }))).code).toBe("forbidden");
    expect((await inviteMember({ ctx: userCtx(db, owner.id), input })).role).toBe("owner");
  });

  it("reports an existing member as a conflict", async () => {
    const { team, user: owner } = await seedTeam(db, "owner");
    const member = await seedMember(db, team.id, "viewer");
    const input = { teamId: team.id, email: member.email, role: "developer" };

    expect((await appError(inviteMember({ ctx: userCtx(db, owner.id), input }))).code).toBe("conflict");
  });
});
