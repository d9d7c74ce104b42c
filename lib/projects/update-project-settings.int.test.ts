import net from "node:net";
import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { getProject } from "@/lib/projects/get-project";
import { updateProjectSettings } from "@/lib/projects/update-project-settings";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { loadConfig } from "@/lib/config/env";
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

  it("egressAllow opens a host:port of this machine to the sandboxed migrate step, and never a port of Slipway's own", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    // The app's own database on this machine, on loopback: a listener that answers.
    const server = net.createServer((s) => s.on("error", () => {}).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await seedEnvVar(db, project.id, { key: "DATABASE_URL", value: `postgres://app@127.0.0.1:${port}/app` });
      const connect = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('REACHED'); process.exit(0) }).on('error', (e) => { console.log('BLOCKED ' + e.code); process.exit(1) })"`;
      const app = { "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo ok > dist/index.html", migrate: connect }) };
      const log = async (id: string) => (await db.buildLogLine.findMany({ where: { deploymentId: id }, orderBy: { seq: "asc" } })).map((l) => l.text).join("\n");

      const closed = await deployDir(ctx, project.slug, await makeApp(app));
      expect(await runBuild(closed.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("failed");
      expect(await log(closed.id)).toMatch(/BLOCKED E(CONNREFUSED|HOSTUNREACH)/);

      const { project: updated } = await updateProjectSettings({ ctx, slug: project.slug, input: { egressAllow: [`127.0.0.1:${port}`] } });
      expect(updated.egressAllow).toEqual([`127.0.0.1:${port}`]);
      const open = await deployDir(ctx, project.slug, await makeApp(app));
      expect(await runBuild(open.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
      expect(await log(open.id)).toContain("REACHED");
    } finally {
      server.close();
    }

    const c = loadConfig();
    for (const own of [c.PORT, c.ROUTER_ADMIN_PORT, c.EMBEDDED_PG_PORT]) {
      const refused = await appError(updateProjectSettings({ ctx, slug: project.slug, input: { egressAllow: [`127.0.0.1:${own}`] } }));
      expect(refused.code).toBe("invalid");
      expect(JSON.stringify(refused.details)).toContain("is a port of Slipway itself");
    }
    expect((await appError(updateProjectSettings({ ctx, slug: project.slug, input: { egressAllow: ["db.internal:5432"] } }))).code).toBe("invalid");
  }, 60_000);
});
