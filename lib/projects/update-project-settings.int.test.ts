import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { getProject } from "@/lib/projects/get-project";
import { updateProjectSettings } from "@/lib/projects/update-project-settings";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();

describe("updateProjectSettings", () => {
  it("lets an admin set the build commands, which the next build uses unless slipway.json overrides them", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await updateProjectSettings({ ctx, slug: project.slug, input: { installCommand: "true", buildCommand: "mkdir -p out && echo hi > out/a.txt", outputDirectory: "out" } });
    const d = await deployDir(ctx, project.slug, await makeApp({ "package.json": "{}" }));
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    const row = await db.deployment.findUniqueOrThrow({ where: { id: d.id } });
    expect(row.buildSettings).toMatchObject({ outputDirectory: "out", from: { buildCommand: "project", outputDirectory: "project" } });

    await updateProjectSettings({ ctx, slug: project.slug, input: { buildCommand: "" } });
    expect((await getProject({ ctx, slug: project.slug })).project.buildCommand).toBeNull();
  });

  it("refuses developers, bad paths and unknown fields, changing nothing", async () => {
    const { team, ctx, project } = await seedArchiveProject(db);
    const developer = await seedMember(db, team.id, "developer");
    expect((await appError(updateProjectSettings({ ctx: userCtx(db, developer.id), slug: project.slug, input: { buildCommand: "x" } }))).code).toBe("forbidden");
    const bad = await appError(updateProjectSettings({ ctx, slug: project.slug, input: { outputDirectory: "../../etc" } }));
    expect(bad.details?.fields).toHaveProperty("outputDirectory");
    expect((await appError(updateProjectSettings({ ctx, slug: project.slug, input: { teamId: team.id } }))).code).toBe("invalid");
    const { project: after } = await getProject({ ctx, slug: project.slug });
    expect(after).toMatchObject({ buildCommand: null, outputDirectory: "dist" });
    expect(after).not.toHaveProperty("webhookSecretEnc");
  });
});
