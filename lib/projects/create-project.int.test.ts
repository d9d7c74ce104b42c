import { describe, expect, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { createProject } from "@/lib/projects/create-project";
import { listProjects } from "@/lib/projects/list-projects";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, seedUser, unique } from "@/lib/testing/seed";

const db = testDb();

const gitProject = (teamId: string, extra: Record<string, unknown> = {}) => ({
  teamId,
  name: "Demo App",
  slug: unique("app"),
  sourceKind: "git",
  gitUrl: "https://github.com/example/demo.git",
  ...extra,
});

const create = (actorId: string, input: unknown) => createProject({ ctx: userCtx(db, actorId), input });
const projectCount = (teamId: string) => db.project.count({ where: { teamId } });

describe("createProject", () => {
  it("lets a developer create a project with its production route and one audit row, in one transaction", async () => {
    const { team, user } = await seedTeam(db, "developer");
    const project = await create(user.id, gitProject(team.id));

    const route = await db.route.findUniqueOrThrow({ where: { name: project.slug } });
    expect(route).toMatchObject({ kind: "production", projectId: project.id, liveDeploymentId: null });
    const audits = await db.auditEvent.findMany({ where: { targetType: "project", targetId: project.id } });
    expect(audits).toEqual([
      expect.objectContaining({ teamId: team.id, action: "project.create", actorKind: "user", actorId: user.id }),
    ]);
    // Rows written by one transaction carry the same xmin.
    const xmins = await db.$queryRaw<{ xmin: string }[]>`
      SELECT xmin::text FROM projects WHERE id = ${project.id}::uuid
      UNION ALL SELECT xmin::text FROM routes WHERE id = ${route.id}::uuid
      UNION ALL SELECT xmin::text FROM audit_events WHERE id = ${audits[0].id}`;
    expect(new Set(xmins.map((r) => r.xmin)).size).toBe(1);
  });

  it("writes no project when its route cannot be created", async () => {
    const { team, user } = await seedTeam(db, "developer");
    const taken = await create(user.id, gitProject(team.id));
    const slug = unique("app");
    await db.route.create({ data: { name: slug, kind: "domain", projectId: taken.id } });

    const error = await appError(create(user.id, gitProject(team.id, { slug })));
    expect(error.code).toBe("conflict");
    expect(await db.project.findUnique({ where: { slug } })).toBeNull();
  });

  it("refuses a viewer with forbidden and someone outside the team with not_found", async () => {
    const { team, user: viewer } = await seedTeam(db, "viewer");
    const outsider = await seedUser(db);

    expect((await appError(create(viewer.id, gitProject(team.id)))).code).toBe("forbidden");
    expect((await appError(create(outsider.id, gitProject(team.id)))).code).toBe("not_found");
    expect(await projectCount(team.id)).toBe(0);
  });

  it("reports a taken slug as a conflict", async () => {
    const { team, user } = await seedTeam(db, "developer");
    const input = gitProject(team.id);
    await create(user.id, input);

    const error = await appError(create(user.id, input));
    expect(error.code).toBe("conflict");
    expect(error.message).toContain(input.slug);
    expect(await projectCount(team.id)).toBe(1);
  });

  it.each([
    ["slug", { slug: "Bad_Slug" }],
    ["slug", { slug: "my-git-app" }],
    ["gitUrl", { gitUrl: "--upload-pack=touch /tmp/pwned" }],
    ["gitUrl", { gitUrl: "file:///srv/repos/demo.git" }],
    ["gitUrl", { gitUrl: "ssh://-oProxyCommand=touch%20x/demo.git" }],
    ["outputDirectory", { outputDirectory: "../outside" }],
    ["outputDirectory", { outputDirectory: "dist/../../etc" }],
    ["outputDirectory", { outputDirectory: "/etc" }],
  ])("rejects a bad %s (%j) as invalid and writes nothing", async (field, extra) => {
    const { team, user } = await seedTeam(db, "developer");

    const error = await appError(create(user.id, gitProject(team.id, extra)));
    expect(error.code).toBe("invalid");
    expect(error.details?.fields).toHaveProperty(field);
    expect(error.message).toMatch(new RegExp(`^${field}: `));
    expect(await projectCount(team.id)).toBe(0);
  });
});

describe("listProjects", () => {
  it("shows the projects of the actor's teams and no others", async () => {
    const { team: mine, user } = await seedTeam(db, "viewer");
    const { team: other, user: otherOwner } = await seedTeam(db, "owner");
    const developer = await seedMember(db, mine.id, "developer");
    const projectIn = async (teamId: string, actorId: string) => (await create(actorId, gitProject(teamId))).id;

    const visible = [await projectIn(mine.id, developer.id), await projectIn(mine.id, developer.id)];
    const hidden = await projectIn(other.id, otherOwner.id);

    const listed = (await listProjects({ ctx: userCtx(db, user.id) })).map((p) => p.id);
    expect(listed.sort()).toEqual(visible.sort());
    expect(listed).not.toContain(hidden);
  });
});
