import fc from "fast-check";
import { expect, it } from "vitest";
import { POST as addDomain } from "@/app/api/projects/[slug]/domains/route";
import { POST as deploy } from "@/app/api/projects/[slug]/deployments/route";
import { POST as changeEnv } from "@/app/api/projects/[slug]/env/route";
import { PATCH as updateProject } from "@/app/api/projects/[slug]/route";
import { apiFixture, callRoute, expectWellFormed, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, veryLong } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";
import { unique } from "@/lib/testing/seed";

// Random branch names everywhere a person names one: a deployment's branch, a
// Preview override of a variable, a branch domain, the production branch. An
// accepted branch is stored as a plain ref name that git cannot read as an
// option (it reaches git after --branch, and as refs/heads/<branch>); anything
// else is a 400 that saves nothing. Pushed branches: webhook-payloads.fuzz.

const db = testDb();
const f = apiFixture(db);

const branch = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._/-]{1,30}$/) },
  { weight: 2, arbitrary: fc.constantFrom("-", "--upload-pack=touch /tmp/pwned", "-b", "--", "main", " main ", "feature/x", "a..b", "/a", "a/", "a//b", "a.lock", "@{-1}", "HEAD", "refs/heads/main", "a b", "a~1", "a^", "a:b", "a\\b", "*", "?", "[", "\0", "\n-x", " -x", "é", "$(id)", "`id`", ".", "..", "x".repeat(100), "x".repeat(101)) },
  { weight: 2, arbitrary: nastyString(6) },
  { weight: 1, arbitrary: veryLong },
);

type Target = "deployment" | "env" | "domain" | "production";
const SHA = "a".repeat(40);

function request(target: Target, b: string) {
  switch (target) {
    case "deployment":
      return { handler: deploy, method: "POST", url: `/api/projects/${f.slug}/deployments`, body: { branch: b, ref: SHA, environment: "preview" } };
    case "env":
      return { handler: changeEnv, method: "POST", url: `/api/projects/${f.slug}/env`, body: { changes: [{ op: "set", key: "FUZZ", value: "v", targets: ["preview"], branch: b }] } };
    case "domain":
      return { handler: addDomain, method: "POST", url: `/api/projects/${f.slug}/domains`, body: { hostname: `${unique("b")}.example.com`, branch: b } };
    case "production":
      return { handler: updateProject, method: "PATCH", url: `/api/projects/${f.slug}`, body: { productionBranch: b } };
  }
}

// The branch as it was saved, or null when the accepted request stored none.
async function storedBranch(target: Target): Promise<string | null> {
  const where = { projectId: f.projectId };
  if (target === "deployment") return (await db.deployment.findFirst({ where, orderBy: { createdAt: "desc" } }))?.branch ?? null;
  if (target === "env") return (await db.envVar.findFirst({ where }))?.branch ?? null;
  if (target === "domain") return (await db.domain.findFirst({ where }))?.branch ?? null;
  return (await db.project.findUniqueOrThrow({ where: { id: f.projectId } })).productionBranch;
}

async function reset() {
  const where = { projectId: f.projectId };
  await db.deployment.deleteMany({ where });
  await db.envVar.deleteMany({ where });
  await db.domain.deleteMany({ where });
  await db.project.update({ where: { id: f.projectId }, data: { productionBranch: "main" } });
}

it(
  "random branch names are stored as plain ref names git cannot read as options, or refused with a 400",
  async () => {
    const check = await unchangedOnRefusal(db, f.teamId);
    const input = fc.record({ target: fc.constantFrom<Target>("deployment", "env", "domain", "production"), branch });
    await fuzz("branch-names", input, async ({ target, branch: b }) => {
      const r = request(target, b);
      const what = `${target} ${JSON.stringify(b).slice(0, 300)}`;
      const answer = await callRoute({ ...r, params: { slug: f.slug }, body: JSON.stringify(r.body), headers: f.auth });
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      if (answer.status >= 400) return `${target}:${outcome}`;
      const saved = await storedBranch(target);
      // An empty branch on a variable means "the whole environment".
      if (target === "env" && b.trim() === "") expect(saved, what).toBeNull();
      else expect(saved, what).toBe(b.trim());
      if (saved !== null) {
        expect(saved, what).toMatch(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/);
        expect(saved.includes("..") || saved.endsWith("/"), what).toBe(false);
      }
      await reset();
      await check(answer, "reset");
      return `${target}:${outcome}`;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(40),
);
