import { describe, expect, it } from "vitest";
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import { changeEnvVars } from "@/lib/env-vars/change-env-vars";
import type { EnvChange, EnvironmentName } from "@/lib/env-vars/env-input";
import { listEnvVars } from "@/lib/env-vars/list-env-vars";
import { EnvResolveError, resolveEnv } from "@/lib/env-vars/resolve-env";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, seedEnvVar, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
testDataDir();

const save = (ctx: Ctx, slug: string, changes: EnvChange[], dryRun?: boolean) => changeEnvVars({ ctx, slug, input: { changes, dryRun } });
const set = (key: string, value: string, targets: EnvironmentName[], more: { branch?: string; sensitive?: boolean; mutable?: boolean } = {}): EnvChange => ({
  op: "set",
  key,
  value,
  targets,
  ...more,
});
const resolved = async (projectId: string, environment: "production" | "preview" | "development", branch = "main") =>
  Object.fromEntries((await resolveEnv(db, { projectId, environment, branch, key: testSecretKey() })).map((v) => [v.key, v.value]));

// Everything a save could have written for a project, to compare before and after a refused one.
const snapshot = async (projectId: string) => ({
  rows: await db.envVar.findMany({ where: { projectId }, orderBy: { id: "asc" } }),
  audit: await db.auditEvent.count({ where: { targetId: projectId, action: "env.update" } }),
});

describe("changeEnvVars", () => {
  it("sets, updates and deletes variables, and lists them by key with the environment-wide row first", async () => {
    const { ctx, project, user } = await seedArchiveProject(db);
    const first = await save(ctx, project.slug, [
      set("B_URL", "https://b", ["production", "preview"]),
      set("A_KEY", "preview-only", ["preview"], { branch: "feature/x" }),
      set("A_KEY", "everywhere", ["development", "production", "preview"]),
      set("VITE_NAME", "demo", ["production"]),
    ]);
    expect(first.preview.map((p) => p.action)).toEqual(["added", "added", "added", "added"]);
    expect(first.variables.map((v) => [v.key, v.branch, v.targets, v.value, v.public])).toEqual([
      ["A_KEY", null, ["production", "preview", "development"], "everywhere", false],
      ["A_KEY", "feature/x", ["preview"], "preview-only", false],
      ["B_URL", null, ["production", "preview"], "https://b", false],
      ["VITE_NAME", null, ["production"], "demo", true],
    ]);
    expect(first.variables[0]).toMatchObject({ sensitive: false, updatedBy: { name: user.name, email: user.email } });
    const row = await db.envVar.findFirstOrThrow({ where: { projectId: project.id, key: "B_URL" } });
    expect(row.valueEnc).not.toContain("https://b");
    expect(row.keyId).toBe(testSecretKey().id);

    const [a, , b, vite] = first.variables;
    const second = await save(ctx, project.slug, [
      { op: "update", id: b.id, value: "https://b2", targets: ["production"] },
      { op: "update", id: a.id, sensitive: true },
      { op: "delete", id: vite.id },
    ]);
    expect(second.preview).toEqual([
      { key: "B_URL", branch: null, targets: ["production"], action: "updated", sensitive: false, mutable: false },
      { key: "A_KEY", branch: null, targets: ["production", "preview", "development"], action: "updated", sensitive: true, mutable: false },
      { key: "VITE_NAME", branch: null, targets: ["production"], action: "deleted", sensitive: false, mutable: false },
    ]);
    const { variables, limits, publicPrefixes } = await listEnvVars({ ctx, slug: project.slug });
    expect(variables.map((v) => [v.key, v.targets, v.value, v.sensitive])).toEqual([
      ["A_KEY", ["production", "preview", "development"], null, true],
      ["A_KEY", ["preview"], "preview-only", false],
      ["B_URL", ["production"], "https://b2", false],
    ]);
    expect(limits).toEqual({ maxValueBytes: 32 * 1024, maxTotalBytes: 64 * 1024 });
    expect(publicPrefixes).toEqual(["PUBLIC_", "VITE_", "NEXT_PUBLIC_"]);
    // The sensitive flag alone does not re-seal the value: it still resolves.
    expect(await resolved(project.id, "development")).toEqual({ A_KEY: "everywhere" });

    const audit = await db.auditEvent.findMany({ where: { targetId: project.id, action: "env.update" }, orderBy: { id: "asc" } });
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({
      targetType: "project",
      actorId: user.id,
      data: {
        changes: [
          { op: "update", key: "B_URL", targets: ["production"], branch: null },
          { op: "update", key: "A_KEY", targets: ["production", "preview", "development"], branch: null },
          { op: "delete", key: "VITE_NAME", targets: ["production"], branch: null },
        ],
      },
    });
  });

  it("moves the environments a set names off the key's other rows, deleting a row left with none", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const shared = await seedEnvVar(db, project.id, { key: "API", value: "old", targets: ["production", "preview"] });
    const dev = await seedEnvVar(db, project.id, { key: "API", value: "dev", targets: ["development"] });
    const override = await seedEnvVar(db, project.id, { key: "API", value: "branch", targets: ["preview"], branch: "feat" });

    const { preview, variables } = await save(ctx, project.slug, [set("API", "new", ["preview", "development"])]);
    expect(preview).toEqual([{ key: "API", branch: null, targets: ["preview", "development"], action: "updated", sensitive: false, mutable: false }]);
    expect(variables.map((v) => [v.branch, v.targets, v.value])).toEqual([
      [null, ["production"], "old"],
      [null, ["preview", "development"], "new"],
      ["feat", ["preview"], "branch"],
    ]);
    expect(variables[0].id).toBe(shared.id);
    expect(await db.envVar.findUnique({ where: { id: dev.id } })).toBeNull();
    expect(variables[2].id).toBe(override.id);
  });

  it("previews each change as added, updated, unchanged or deleted, without values, and writes nothing on a dry run", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "SAME", value: "same-value", targets: ["production", "preview"] });
    await seedEnvVar(db, project.id, { key: "SECRET_SAME", value: "hidden-same", sensitive: true, targets: ["production"] });
    await seedEnvVar(db, project.id, { key: "CHANGED", value: "before", targets: ["production"] });
    const gone = await seedEnvVar(db, project.id, { key: "GONE", value: "bye-value", targets: ["production"] });
    const before = await snapshot(project.id);

    const { preview, variables } = await save(
      ctx,
      project.slug,
      [
        set("SAME", "same-value", ["production"]),
        set("SECRET_SAME", "hidden-same", ["production"]),
        set("CHANGED", "after", ["production"]),
        set("NEW_ONE", "fresh", ["production", "preview"]),
        { op: "delete", id: gone.id },
      ],
      true,
    );
    expect(preview).toEqual([
      { key: "SAME", branch: null, targets: ["production"], action: "unchanged", sensitive: false, mutable: false },
      { key: "SECRET_SAME", branch: null, targets: ["production"], action: "unchanged", sensitive: true, mutable: false },
      { key: "CHANGED", branch: null, targets: ["production"], action: "updated", sensitive: false, mutable: false },
      { key: "NEW_ONE", branch: null, targets: ["production", "preview"], action: "added", sensitive: false, mutable: false },
      { key: "GONE", branch: null, targets: ["production"], action: "deleted", sensitive: false, mutable: false },
    ]);
    expect(variables.map((v) => v.key)).toEqual(["CHANGED", "GONE", "SAME", "SECRET_SAME"]);
    expect(await snapshot(project.id)).toEqual(before);

    // Saved for real, an unchanged set leaves its row alone.
    await save(ctx, project.slug, [set("SAME", "same-value", ["production"])]);
    expect(await snapshot(project.id)).toEqual(before);
  });

  it("never shows a sensitive value: not in GET, not in a save's response, not in the audit row", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const secret = "sk_live_ultra_secret_4711";
    const saved = await save(ctx, project.slug, [set("STRIPE_KEY", secret, ["production", "preview"], { sensitive: true })]);
    const replaced = await save(ctx, project.slug, [{ op: "update", id: saved.variables[0].id, value: `${secret}-2` }]);
    const listed = await listEnvVars({ ctx, slug: project.slug });
    for (const response of [saved, replaced, listed]) expect(JSON.stringify(response)).not.toContain(secret);
    expect(listed.variables[0]).toMatchObject({ key: "STRIPE_KEY", value: null, sensitive: true });
    const audit = await db.auditEvent.findMany({ where: { targetId: project.id } });
    expect(JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(secret);
    expect(await resolved(project.id, "production")).toEqual({ STRIPE_KEY: `${secret}-2` });

    // Pushed again without the flag (as a .env push would), it stays sensitive.
    const pushed = await save(ctx, project.slug, [set("STRIPE_KEY", "rotated", ["production", "preview"])]);
    expect(pushed.preview[0]).toMatchObject({ action: "updated", sensitive: true });
  });

  it("refuses to make a sensitive variable non-sensitive without a new value", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const row = await seedEnvVar(db, project.id, { key: "TOKEN", value: "t0ken-value", sensitive: true });
    const e = await appError(save(ctx, project.slug, [{ op: "update", id: row.id, sensitive: false }]));
    expect(e.code).toBe("invalid");
    expect(e.message).toMatch(/TOKEN is sensitive: enter a new value/);
    expect(e.details).toEqual({ changes: [{ index: 0, field: "value", message: expect.stringMatching(/TOKEN is sensitive/) }] });
    expect((await db.envVar.findUniqueOrThrow({ where: { id: row.id } })).sensitive).toBe(true);

    const { variables } = await save(ctx, project.slug, [{ op: "update", id: row.id, sensitive: false, value: "now-public-value" }]);
    expect(variables[0]).toMatchObject({ sensitive: false, value: "now-public-value" });
  });

  const big = "x".repeat(30 * 1024);
  it.each<[string, EnvChange[], RegExp, { index: number; field: string }]>([
    ["an invalid key", [set("1BAD", "v", ["preview"])], /^1BAD is not a valid key/, { index: 1, field: "key" }],
    ["a reserved key", [set("PATH", "/x", ["preview"])], /^PATH is reserved/, { index: 1, field: "key" }],
    ["a platform prefix", [set("SLIPWAY_X", "v", ["preview"])], /SLIPWAY_X is reserved/, { index: 1, field: "key" }],
    ["a key twice in one request", [set("DUP", "1", ["production", "preview"]), set("DUP", "2", ["preview"])], /^DUP appears twice for Preview/, { index: 2, field: "targets" }],
    ["an oversized value", [set("HUGE", "x".repeat(32 * 1024 + 1), ["preview"])], /^HUGE: The value is 32.1 KB; values are at most 32 KB/, { index: 1, field: "value" }],
    ["a total over 64 KiB", [set("BIG_1", big, ["preview"]), set("BIG_2", big, ["preview"]), set("BIG_3", big, ["preview"])], /^The variables of Preview total 90.1 KB; the limit is 64 KB/, { index: 1, field: "value" }],
    ["a branch with '..'", [set("B", "v", ["preview"], { branch: "../x" })], /^B: That is not a valid branch name/, { index: 1, field: "branch" }],
    ["a branch with a backslash", [set("B", "v", ["preview"], { branch: "a\\b" })], /^B: Branch names use letters/, { index: 1, field: "branch" }],
    ["a public key marked sensitive", [set("PUBLIC_X", "v", ["preview"], { sensitive: true })], /^PUBLIC_X: A public key \(sent to the browser\) cannot be sensitive/, { index: 1, field: "sensitive" }],
    ["a branch override outside Preview", [set("B", "v", ["production", "preview"], { branch: "feat" })], /^B: A branch override applies to Preview only/, { index: 1, field: "targets" }],
    ["a public key marked mutable", [set("VITE_API", "v", ["preview"], { mutable: true })], /^VITE_API: VITE_API is public: the build compiles it into the browser's code/, { index: 1, field: "mutable" }],
  ])("refuses %s with a clear error and saves nothing of the request", async (_name, bad, message, where) => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "KEEP", value: "kept", targets: ["preview"] });
    const before = await snapshot(project.id);
    // A good change first: it must not be saved either.
    const e = await appError(save(ctx, project.slug, [set("GOOD", "fine", ["preview"]), ...bad]));
    expect(e.code).toBe("invalid");
    expect(e.message).toMatch(message);
    expect((e.details?.changes as object[])[0]).toMatchObject(where);
    expect(await snapshot(project.id)).toEqual(before);
  });

  it("keeps the mutable flag: shown in the list, kept by a value pushed over it, and refused for a public key on update", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const row = await seedEnvVar(db, project.id, { key: "FEATURE_FLAGS", value: "a", targets: ["production"], mutable: true });
    const vite = await seedEnvVar(db, project.id, { key: "VITE_X", value: "v", targets: ["production"] });
    const pushed = await save(ctx, project.slug, [set("FEATURE_FLAGS", "b", ["production"])]);
    expect(pushed.preview).toEqual([{ key: "FEATURE_FLAGS", branch: null, targets: ["production"], action: "updated", sensitive: false, mutable: true }]);
    expect(pushed.variables.map((v) => [v.key, v.value, v.mutable])).toEqual([
      ["FEATURE_FLAGS", "b", true],
      ["VITE_X", "v", false],
    ]);
    expect(pushed.applied).toEqual([]); // nothing of it runs
    const off = await save(ctx, project.slug, [{ op: "update", id: (await db.envVar.findFirstOrThrow({ where: { projectId: project.id, key: "FEATURE_FLAGS" } })).id, mutable: false }]);
    expect(off.variables[0]).toMatchObject({ key: "FEATURE_FLAGS", mutable: false });
    expect(await db.envVar.count({ where: { id: row.id } })).toBe(0); // the set replaced the seeded row
    const e = await appError(save(ctx, project.slug, [{ op: "update", id: vite.id, mutable: true }]));
    expect(e.message).toMatch(/VITE_X is public: the build compiles it into the browser's code, so it cannot change without a new deployment/);
    expect(e.details?.changes).toEqual([expect.objectContaining({ index: 0, field: "mutable" })]);
  });

  it("refuses a total over 64 KiB for one branch's Preview deployments, and an update onto a taken environment", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "BIG_1", value: big, targets: ["preview"] });
    const row = await seedEnvVar(db, project.id, { key: "API", value: "a", targets: ["production"] });
    await seedEnvVar(db, project.id, { key: "API", value: "b", targets: ["preview"] });
    const before = await snapshot(project.id);
    const e = await appError(save(ctx, project.slug, [set("BIG_2", big, ["preview"], { branch: "feat" }), set("BIG_3", big, ["preview"], { branch: "feat" })]));
    expect(e.message).toMatch(/^The variables of Preview deployments of branch feat total 90.1 KB; the limit is 64 KB/);
    const taken = await appError(save(ctx, project.slug, [{ op: "update", id: row.id, targets: ["production", "preview"] }]));
    expect(taken.message).toBe("API already has another value for Preview; edit or delete that one instead.");
    const stale = await appError(save(ctx, project.slug, [{ op: "delete", id: "5b0b7d0e-4a51-4b7e-9d51-3f6f0c2a9b11" }]));
    expect(stale.message).toMatch(/^Change 1: That variable no longer exists/);
    expect(await snapshot(project.id)).toEqual(before);
  });

  it("lets developers read and change Preview and Development, admins Production too, and viewers nothing", async () => {
    const { team, project } = await seedArchiveProject(db);
    const as = async (role: "viewer" | "developer" | "admin") => userCtx(db, (await seedMember(db, team.id, role)).id);
    const [viewer, developer, admin] = [await as("viewer"), await as("developer"), await as("admin")];
    const prod = await seedEnvVar(db, project.id, { key: "PROD_ONLY", value: "p", targets: ["production"] });
    const shared = await seedEnvVar(db, project.id, { key: "SHARED", value: "s", targets: ["production", "preview"] });

    expect((await appError(listEnvVars({ ctx: viewer, slug: project.slug }))).code).toBe("forbidden");
    expect((await appError(save(viewer, project.slug, [set("X", "v", ["preview"])]))).code).toBe("forbidden");

    expect((await listEnvVars({ ctx: developer, slug: project.slug })).variables).toHaveLength(2);
    await save(developer, project.slug, [set("DEV_SET", "d", ["preview", "development"])]);
    // Setting SHARED for Preview splits it; Production keeps its value, so no Production change.
    await save(developer, project.slug, [set("SHARED", "s-preview", ["preview"])]);
    const before = await snapshot(project.id);
    for (const changes of [
      [set("X", "v", ["production"])],
      [{ op: "update" as const, id: prod.id, value: "p2" }],
      [{ op: "delete" as const, id: prod.id }],
      [{ op: "update" as const, id: shared.id, targets: ["production" as const, "development" as const] }],
    ]) {
      const e = await appError(save(developer, project.slug, changes));
      expect(e.code).toBe("forbidden");
      expect(e.message).toBe("Your role (developer) cannot change Production variables; it needs admin or above.");
    }
    expect(await snapshot(project.id)).toEqual(before);

    await save(admin, project.slug, [set("X", "v", ["production"]), { op: "update", id: prod.id, value: "p2" }]);
    expect(await resolved(project.id, "production")).toEqual({ PROD_ONLY: "p2", SHARED: "s", X: "v" });
    expect(await resolved(project.id, "preview")).toEqual({ DEV_SET: "d", SHARED: "s-preview" });
  });

  it("round-trips values through resolveEnv, the branch override winning on its branch's Preview deployments", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const multiLine = "-----BEGIN KEY-----\nabc\n-----END KEY-----\n é ✓";
    await save(ctx, project.slug, [
      set("API_URL", "https://prod", ["production"]),
      set("API_URL", "https://preview", ["preview"]),
      set("API_URL", "https://feature", ["preview"], { branch: "feature/x" }),
      set("PEM", multiLine, ["production", "preview"], { sensitive: true }),
      set("EMPTY", "", ["development"]),
    ]);
    expect(await resolved(project.id, "production")).toEqual({ API_URL: "https://prod", PEM: multiLine });
    expect(await resolved(project.id, "preview", "main")).toEqual({ API_URL: "https://preview", PEM: multiLine });
    expect(await resolved(project.id, "preview", "feature/x")).toEqual({ API_URL: "https://feature", PEM: multiLine });
    expect(await resolved(project.id, "development")).toEqual({ EMPTY: "" });
  });

  it("lets concurrent saves of one key queue on the project, keeping one value per environment", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "RACE", value: "start", targets: ["production", "preview"] });
    await Promise.all(Array.from({ length: 6 }, (_, i) => save(ctx, project.slug, [set("RACE", `v${i}`, i % 2 ? ["production"] : ["production", "preview"])])));
    const rows = await db.envVar.findMany({ where: { projectId: project.id, key: "RACE" } });
    const targets = rows.flatMap((r) => r.targets).sort();
    expect(targets).toEqual(["preview", "production"]);
  });

  it("fails a build whose variables exceed 64 KiB in total, naming the size", async () => {
    const { project } = await seedArchiveProject(db);
    for (const key of ["ONE", "TWO", "THREE"]) await seedEnvVar(db, project.id, { key, value: big, targets: ["production"] });
    const e = await resolveEnv(db, { projectId: project.id, environment: "production", branch: "main", key: testSecretKey() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EnvResolveError);
    expect((e as Error).message).toBe("The variables of this deployment total 90.1 KB; the limit is 64 KB.");
  });
});
