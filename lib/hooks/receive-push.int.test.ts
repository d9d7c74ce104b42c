import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { POST } from "@/app/api/hooks/git/[project]/route";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { db as appDb } from "@/lib/db/client";
import { getManifest } from "@/lib/deployments/get-manifest";
import { signBody } from "@/lib/hooks/push-signature";
import { createProject } from "@/lib/projects/create-project";
import { rotateWebhookSecret } from "@/lib/projects/webhook-secret";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { seedTeam, unique } from "@/lib/testing/seed";

// Through the real route handler (status codes and bodies as a git host sees
// them), against the real database and a git repository on disk.
const db = testDb();
const dataDir = testDataDir();
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => appDb().$disconnect());

const origin = "http://console.test";
// Every webhook answer and every secret issued in this file, for the last test.
const answers: string[] = [];
const issued: string[] = [];

type Post = { event?: string; secret?: string; signature?: string | null; delivery?: string | null };
async function post(slug: string, payload: unknown, { event = "push", secret, signature, delivery = randomUUID() }: Post) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
  const headers: Record<string, string> = { "content-type": "application/json", "x-github-event": event };
  const sig = signature === undefined ? `sha256=${signBody(secret!, body).toString("hex")}` : signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  if (delivery !== null) headers["x-github-delivery"] = delivery;
  const res = await POST(new Request(`${origin}/api/hooks/git/${slug}`, { method: "POST", headers, body: new Uint8Array(body) }), {
    params: Promise.resolve({ project: slug }),
  });
  const text = await res.text();
  answers.push(text);
  return { status: res.status, json: JSON.parse(text) };
}

const now = () => Math.floor(Date.now() / 1000);
const push = (ref: string, after: string, over: Record<string, unknown> = {}) => ({
  ref,
  before: "0".repeat(40),
  after,
  deleted: false,
  head_commit: { id: after, message: "first commit\n\nA longer body that is not the subject." },
  repository: { full_name: "acme/app", pushed_at: now() },
  ...over,
});

// main with two commits, and a feature/x branch off the first.
async function makeRepo() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-hook-repo-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=T", ...args], { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  await writeFile(path.join(dir, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && cp index.html dist/" }));
  await writeFile(path.join(dir, "index.html"), "main v1");
  git("add", ".");
  git("commit", "-q", "-m", "first commit");
  const first = git("rev-parse", "HEAD");
  git("branch", "feature/x");
  await writeFile(path.join(dir, "index.html"), "main v2");
  git("commit", "-q", "-am", "second commit");
  return { dir, first, head: git("rev-parse", "HEAD") };
}

let repo: Awaited<ReturnType<typeof makeRepo>>;
beforeAll(async () => {
  repo = await makeRepo();
});

async function gitProject() {
  const { team, user } = await seedTeam(db, "owner");
  const ctx = userCtx(db, user.id);
  process.env.ALLOW_LOCAL_GIT = "true";
  try {
    const created = await createProject({ ctx, input: { teamId: team.id, name: "Hooked", slug: unique("hook"), sourceKind: "git", gitUrl: repo.dir } });
    const project = await db.project.update({ where: { id: created.id }, data: { rolloutSettings: "skip" } });
    const { secret } = await rotateWebhookSecret({ ctx, slug: project.slug, requestOrigin: origin });
    issued.push(secret);
    return { team, ctx, project, secret };
  } finally {
    delete process.env.ALLOW_LOCAL_GIT;
  }
}

const deployments = (projectId: string) => db.deployment.findMany({ where: { projectId }, orderBy: { createdAt: "asc" } });

describe("POST /api/hooks/git/:project", () => {
  it("deploys a push to the production branch to Production at exactly the pushed commit, with one audit row naming the delivery", async () => {
    const { ctx, project, secret } = await gitProject();
    const delivery = randomUUID();
    // The older commit, not the branch head: the deployment is pinned to what was pushed.
    const res = await post(project.slug, push("refs/heads/main", repo.first), { secret, delivery });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ event: "push", result: "deployed", deployment: { environment: "production", branch: "main", commitSha: repo.first, status: "queued" } });
    const [row] = await deployments(project.id);
    expect(row).toMatchObject({ id: res.json.deployment.id, environment: "production", sourceKind: "git", sourceRef: "main", commitSha: repo.first, commitMessage: "first commit", createdByKind: "system" });

    const audit = await db.auditEvent.findMany({ where: { targetType: "deployment", targetId: row.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "deployment.create", actorKind: "system", actorId: null });
    expect(audit[0].data).toMatchObject({ project: project.slug, environment: "production", branch: "main", sha: repo.first, webhookDelivery: delivery });

    expect(await runBuild(row.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    const files = (await getManifest({ ctx, id: row.id })).files;
    expect(files.map((f) => [f.path, f.size])).toEqual([["index.html", "main v1".length]]);
  });

  it("deploys a push to another branch to its Preview", async () => {
    const { project, secret } = await gitProject();
    const res = await post(project.slug, push("refs/heads/feature/x", repo.first), { secret });
    expect(res.status).toBe(201);
    expect(res.json.deployment).toMatchObject({ environment: "preview", branch: "feature/x", commitSha: repo.first });
    expect(await deployments(project.id)).toMatchObject([{ environment: "preview", branch: "feature/x", sourceRef: "feature/x" }]);
  });

  it("creates nothing for a repeated delivery of the same push, even when two arrive at once", async () => {
    const { project, secret } = await gitProject();
    const payload = push("refs/heads/main", repo.head);
    const [a, b] = await Promise.all([post(project.slug, payload, { secret }), post(project.slug, payload, { secret })]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const again = await post(project.slug, payload, { secret });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ result: "duplicate", deployment: { id: a.json.deployment.id } });
    expect(b.json.deployment.id).toBe(a.json.deployment.id);
    expect(await deployments(project.id)).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { teamId: project.teamId, action: "deployment.create" } })).toBe(1);
    // Another commit on the same branch is a new push.
    expect((await post(project.slug, push("refs/heads/main", repo.first), { secret })).status).toBe(201);
  });

  it("refuses unsigned, wrongly signed, stale, oversized and malformed requests, and creates nothing", async () => {
    const { project, secret } = await gitProject();
    const payload = push("refs/heads/main", repo.head);
    const body = Buffer.from(JSON.stringify(payload));
    const otherBody = Buffer.from(JSON.stringify({ ...payload, after: repo.first }));
    const cases: [string, Promise<{ status: number; json: { error: { message: string } } }>, number, RegExp][] = [
      ["no signature", post(project.slug, body, { signature: null }), 401, /not signed/],
      ["a malformed signature", post(project.slug, body, { signature: "sha1=0123456789abcdef0123456789abcdef01234567" }), 401, /not signed/],
      ["a wrong secret", post(project.slug, body, { secret: `${secret}x` }), 401, /does not match/],
      ["the signature of a different body", post(project.slug, body, { signature: `sha256=${signBody(secret, otherBody).toString("hex")}` }), 401, /does not match/],
      ["a stale push", post(project.slug, push("refs/heads/main", repo.head, { repository: { pushed_at: now() - 301 } }), { secret }), 400, /^Stale push: it happened 30\d s ago/],
      ["a push from the far future", post(project.slug, push("refs/heads/main", repo.head, { repository: { pushed_at: now() + 3600 } }), { secret }), 400, /^Stale push: .*future/],
      ["an oversized body", post(project.slug, Buffer.alloc((1 << 20) + 1, 0x20), { secret }), 413, /larger than 1024 KiB/],
      ["a body that is not JSON", post(project.slug, "ref=refs/heads/main", { secret }), 400, /not JSON/],
      ["a push without pushed_at", post(project.slug, { ...payload, repository: {} }, { secret }), 400, /^repository\.pushed_at: /],
      ["a bad branch name", post(project.slug, push("refs/heads/../x", repo.head), { secret }), 400, /^branch: /],
      ["a short SHA", post(project.slug, push("refs/heads/main", repo.head.slice(0, 12)), { secret }), 400, /full commit SHA/],
      ["no delivery id", post(project.slug, body, { secret, delivery: null }), 400, /X-GitHub-Delivery/],
    ];
    for (const [label, answer, status, message] of cases) {
      const res = await answer;
      expect({ label, status: res.status }).toEqual({ label, status });
      expect(res.json.error.message, label).toMatch(message);
    }
    expect(await deployments(project.id)).toEqual([]);
  });

  it("stops accepting the old secret as soon as it is rotated", async () => {
    const { ctx, project, secret } = await gitProject();
    const rotated = (await rotateWebhookSecret({ ctx, slug: project.slug, requestOrigin: origin })).secret;
    issued.push(rotated);
    expect((await post(project.slug, push("refs/heads/main", repo.head), { secret })).status).toBe(401);
    expect((await post(project.slug, push("refs/heads/main", repo.head), { secret: rotated })).status).toBe(201);
  });

  it("answers ping, and ignores tags, deleted branches and other events", async () => {
    const { project, secret } = await gitProject();
    expect(await post(project.slug, { zen: "Keep it logically awesome.", hook_id: 1 }, { secret, event: "ping" })).toEqual({ status: 200, json: { event: "ping", result: "pong" } });
    const cases: [unknown, string, RegExp][] = [
      [push("refs/tags/v1.0.0", repo.head), "push", /Tag pushes/],
      [push("refs/heads/main", "0".repeat(40), { deleted: true, head_commit: null }), "push", /deleted/],
      [push("refs/notes/commits", repo.head), "push", /Only branch pushes/],
      [{ action: "opened" }, "issues", /Only push events deploy; this was a "issues" event/],
    ];
    for (const [payload, event, reason] of cases) {
      const res = await post(project.slug, payload, { secret, event });
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ result: "ignored" });
      expect(res.json.reason).toMatch(reason);
    }
    expect(await deployments(project.id)).toEqual([]);
  });

  it("refuses pushes to a project that is not deployed from git, with the reason", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const { secret } = await rotateWebhookSecret({ ctx, slug: project.slug, requestOrigin: origin });
    issued.push(secret);
    const res = await post(project.slug, push("refs/heads/main", repo.head), { secret });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/deploys uploaded archives, not a git repository/);
    expect(await deployments(project.id)).toEqual([]);
  });

  it("answers an unknown project and a project without a secret the same way", async () => {
    const { project, secret } = await gitProject();
    await db.project.update({ where: { id: project.id }, data: { webhookSecretEnc: null } });
    const without = await post(project.slug, push("refs/heads/main", repo.head), { secret });
    const unknown = await post(unique("nope"), push("refs/heads/main", repo.head), { secret });
    expect(without).toEqual({ status: 404, json: { error: { code: "not_found", message: "No push webhook is set up at this URL." } } });
    expect(unknown).toEqual(without);
  });

  it("never shows a secret outside the rotate answer: not in any webhook answer nor in an audit row", async () => {
    expect(issued.length).toBeGreaterThan(5);
    const audit = JSON.stringify(
      await db.auditEvent.findMany({ where: { action: { in: ["deployment.create", "project.rotateWebhookSecret"] } }, omit: { id: true } }),
    );
    expect(audit).toContain("project.rotateWebhookSecret");
    for (const secret of issued) {
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      for (const text of [audit, ...answers]) expect(text).not.toContain(secret);
    }
  });
});
