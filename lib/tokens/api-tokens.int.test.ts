import { describe, expect, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { listProjects } from "@/lib/projects/list-projects";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam } from "@/lib/testing/seed";
import { tokenCtx } from "@/lib/tokens/authenticate-token";
import { createApiToken } from "@/lib/tokens/create-api-token";
import { listApiTokens } from "@/lib/tokens/list-api-tokens";
import { revokeApiToken } from "@/lib/tokens/revoke-api-token";

const db = testDb();
testDataDir();

describe("API tokens", () => {
  it("are shown once, stored hashed, act within their team at their role, and stop working when revoked", async () => {
    const { team, ctx, project } = await seedArchiveProject(db);
    const { token, apiToken } = await createApiToken({ ctx, input: { teamId: team.id, name: "ci", role: "viewer", expiresInDays: 30 } });
    expect(token).toMatch(/^slw_/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(row.tokenHash).not.toContain(token.slice(4));
    expect(JSON.stringify(await listApiTokens({ ctx, teamId: team.id }))).not.toContain(token);

    const asToken = await tokenCtx(db, token);
    expect((await listProjects({ ctx: asToken })).map((p) => p.slug)).toEqual([project.slug]);
    // A viewer token cannot deploy, though its creator (an owner) could.
    expect((await appError(createDeployment({ ctx: asToken, slug: project.slug, input: {} }))).code).toBe("forbidden");
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } })).lastUsedAt).not.toBeNull();

    await revokeApiToken({ ctx, teamId: team.id, tokenId: apiToken.id });
    expect((await appError(tokenCtx(db, token))).code).toBe("unauthorized");
  });

  it("never outrank their creator, and die with the creator's membership or their expiry", async () => {
    const { team } = await seedTeam(db, "owner");
    const admin = await seedMember(db, team.id, "admin");
    const adminCtx = userCtx(db, admin.id);
    expect((await appError(createApiToken({ ctx: adminCtx, input: { teamId: team.id, name: "x", role: "owner", expiresInDays: null } }))).code).toBe("forbidden");
    const developer = await seedMember(db, team.id, "developer");
    expect((await appError(createApiToken({ ctx: userCtx(db, developer.id), input: { teamId: team.id, name: "x", role: "developer", expiresInDays: 7 } }))).code).toBe("forbidden");

    const { token, apiToken } = await createApiToken({ ctx: adminCtx, input: { teamId: team.id, name: "deploy", role: "admin", expiresInDays: 7 } });
    await tokenCtx(db, token);
    await db.apiToken.update({ where: { id: apiToken.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await appError(tokenCtx(db, token))).code).toBe("unauthorized");
    await db.apiToken.update({ where: { id: apiToken.id }, data: { expiresAt: null } });
    await db.membership.delete({ where: { teamId_userId: { teamId: team.id, userId: admin.id } } });
    expect((await appError(tokenCtx(db, token))).code).toBe("unauthorized");
    expect((await appError(tokenCtx(db, "slw_not-a-real-token"))).code).toBe("unauthorized");
  });

  it("cannot reach another team's projects", async () => {
    const { team, ctx } = await seedArchiveProject(db);
    const other = await seedArchiveProject(db);
    const { token } = await createApiToken({ ctx, input: { teamId: team.id, name: "ci", role: "admin", expiresInDays: null } });
    const error = await appError(createDeployment({ ctx: await tokenCtx(db, token), slug: other.project.slug, input: {} }));
    expect(error.code).toBe("not_found");
  });
});
