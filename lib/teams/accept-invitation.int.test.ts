import { describe, expect, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { verifyPassword } from "@/lib/auth/password";
import type { Role } from "@/lib/generated/prisma/enums";
import { acceptInvitation } from "@/lib/teams/accept-invitation";
import { inviteMember } from "@/lib/teams/invite-member";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedTeam, seedUser, TEST_PASSWORD, unique } from "@/lib/testing/seed";

const db = testDb();
const PASSWORD = "a long enough password";

async function invite(role: Role = "developer", email = `${unique("invitee")}@example.test`) {
  const { team, user: owner } = await seedTeam(db, "owner");
  const { token } = await inviteMember({ ctx: userCtx(db, owner.id), input: { teamId: team.id, email, role } });
  return { team, email, token };
}

const accept = (token: string, password = PASSWORD) =>
  acceptInvitation({ db, input: { token, name: "New Person", password } });

describe("acceptInvitation", () => {
  it("creates the account and membership with the invited role, and records it", async () => {
    const { team, email, token } = await invite("developer");
    const result = await accept(token);

    expect(result).toMatchObject({ email, teamId: team.id });
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user.id).toBe(result.userId);
    expect(await verifyPassword(PASSWORD, user.passwordHash)).toBe(true);
    const membership = await db.membership.findUniqueOrThrow({
      where: { teamId_userId: { teamId: team.id, userId: user.id } },
    });
    expect(membership.role).toBe("developer");
    const audits = await db.auditEvent.findMany({ where: { teamId: team.id, action: "member.join" } });
    expect(audits).toEqual([expect.objectContaining({ actorId: user.id, targetId: user.id })]);
  });

  it("does not accept the same token twice", async () => {
    const { team, email, token } = await invite();
    await accept(token);

    expect((await appError(accept(token))).code).toBe("not_found");
    expect(await db.user.count({ where: { email } })).toBe(1);
    expect(await db.membership.count({ where: { teamId: team.id, user: { email } } })).toBe(1);
  });

  it("lets only one of two simultaneous accepts of a token through", async () => {
    const { team, email, token } = await invite();
    const user = await seedUser(db, email);

    const results = await Promise.allSettled([accept(token, TEST_PASSWORD), accept(token, TEST_PASSWORD)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "not_found" } });
    expect(await db.auditEvent.count({ where: { teamId: team.id, action: "member.join", targetId: user.id } })).toBe(1);
  });

  it("treats an expired invitation as not found and creates nothing", async () => {
    const { email, token } = await invite();
    await db.invitation.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1000) } });

    expect((await appError(accept(token))).code).toBe("not_found");
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("treats an unknown token as not found", async () => {
    expect((await appError(accept("not-a-real-invitation-token"))).code).toBe("not_found");
  });

  it("makes an existing account prove its password before joining", async () => {
    const { team, email, token } = await invite("viewer");
    const existing = await seedUser(db, email);

    expect((await appError(accept(token, "the wrong password"))).code).toBe("invalid");
    expect(await db.membership.count({ where: { teamId: team.id, userId: existing.id } })).toBe(0);
    expect((await accept(token, TEST_PASSWORD)).userId).toBe(existing.id);
  });
});
