import fc from "fast-check";
import { expect, it } from "vitest";
import { POST as cancelDeployment } from "@/app/api/deployments/[id]/cancel/route";
import { POST as promoteDeployment } from "@/app/api/deployments/[id]/promote/route";
import { POST as redeploy } from "@/app/api/deployments/[id]/redeploy/route";
import { DELETE as removeDomain } from "@/app/api/domains/[id]/route";
import { POST as verifyDomain } from "@/app/api/domains/[id]/verify/route";
import { POST as acceptInvitation } from "@/app/api/invitations/accept/route";
import { POST as createDeployment } from "@/app/api/projects/[slug]/deployments/route";
import { POST as addDomain } from "@/app/api/projects/[slug]/domains/route";
import { POST as changeEnv } from "@/app/api/projects/[slug]/env/route";
import { PATCH as updateProject } from "@/app/api/projects/[slug]/route";
import { POST as rotateWebhook } from "@/app/api/projects/[slug]/webhook/route";
import { POST as createProject } from "@/app/api/projects/route";
import { POST as abortRollout } from "@/app/api/rollouts/[id]/abort/route";
import { POST as pauseRollout } from "@/app/api/rollouts/[id]/pause/route";
import { POST as promoteRollout } from "@/app/api/rollouts/[id]/promote/route";
import { POST as resumeRollout } from "@/app/api/rollouts/[id]/resume/route";
import { POST as invite } from "@/app/api/teams/[teamId]/invitations/route";
import { PATCH as changeRole } from "@/app/api/teams/[teamId]/members/[userId]/route";
import { DELETE as revokeToken } from "@/app/api/teams/[teamId]/tokens/[tokenId]/route";
import { POST as createToken } from "@/app/api/teams/[teamId]/tokens/route";
import { apiFixture, callRoute, expectWellFormed, ORIGIN, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, wellFormed } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";

// Random JSON (and not-quite-JSON) bodies and path parameters to every API
// route that changes something, with the fuzzed team owner's token. Never a
// 5xx; a refusal is a 4xx with a message that saves nothing; nothing reaches
// the other team; no key such as __proto__ pollutes Object.prototype. The
// project deploys archives, so no body makes the console call out to a git host.

const db = testDb();
const f = apiFixture(db, "archive");

type Params = Record<string, string>;
type Handler = (req: Request, context: { params: Promise<Params> }) => Promise<Response>;
type Route = { name: string; method: string; handler: Handler; path: (p: Params) => string; params: string[] };

const h = (handler: unknown) => handler as Handler;
const ROUTES: Route[] = [
  { name: "project.create", method: "POST", handler: h(createProject), path: () => "/api/projects", params: [] },
  { name: "project.update", method: "PATCH", handler: h(updateProject), path: (p) => `/api/projects/${p.slug}`, params: ["slug"] },
  { name: "deployment.create", method: "POST", handler: h(createDeployment), path: (p) => `/api/projects/${p.slug}/deployments`, params: ["slug"] },
  { name: "domain.add", method: "POST", handler: h(addDomain), path: (p) => `/api/projects/${p.slug}/domains`, params: ["slug"] },
  { name: "env.change", method: "POST", handler: h(changeEnv), path: (p) => `/api/projects/${p.slug}/env`, params: ["slug"] },
  { name: "webhook.rotate", method: "POST", handler: h(rotateWebhook), path: (p) => `/api/projects/${p.slug}/webhook`, params: ["slug"] },
  { name: "deployment.cancel", method: "POST", handler: h(cancelDeployment), path: (p) => `/api/deployments/${p.id}/cancel`, params: ["id"] },
  { name: "deployment.promote", method: "POST", handler: h(promoteDeployment), path: (p) => `/api/deployments/${p.id}/promote`, params: ["id"] },
  { name: "deployment.redeploy", method: "POST", handler: h(redeploy), path: (p) => `/api/deployments/${p.id}/redeploy`, params: ["id"] },
  { name: "domain.remove", method: "DELETE", handler: h(removeDomain), path: (p) => `/api/domains/${p.id}`, params: ["id"] },
  { name: "domain.verify", method: "POST", handler: h(verifyDomain), path: (p) => `/api/domains/${p.id}/verify`, params: ["id"] },
  { name: "rollout.abort", method: "POST", handler: h(abortRollout), path: (p) => `/api/rollouts/${p.id}/abort`, params: ["id"] },
  { name: "rollout.pause", method: "POST", handler: h(pauseRollout), path: (p) => `/api/rollouts/${p.id}/pause`, params: ["id"] },
  { name: "rollout.promote", method: "POST", handler: h(promoteRollout), path: (p) => `/api/rollouts/${p.id}/promote`, params: ["id"] },
  { name: "rollout.resume", method: "POST", handler: h(resumeRollout), path: (p) => `/api/rollouts/${p.id}/resume`, params: ["id"] },
  { name: "team.invite", method: "POST", handler: h(invite), path: (p) => `/api/teams/${p.teamId}/invitations`, params: ["teamId"] },
  { name: "member.role", method: "PATCH", handler: h(changeRole), path: (p) => `/api/teams/${p.teamId}/members/${p.userId}`, params: ["teamId", "userId"] },
  { name: "token.create", method: "POST", handler: h(createToken), path: (p) => `/api/teams/${p.teamId}/tokens`, params: ["teamId"] },
  { name: "token.revoke", method: "DELETE", handler: h(revokeToken), path: (p) => `/api/teams/${p.teamId}/tokens/${p.tokenId}`, params: ["teamId", "tokenId"] },
  { name: "invitation.accept", method: "POST", handler: h(acceptInvitation), path: () => "/api/invitations/accept", params: [] },
];

// Every field name some route reads, so random objects often hit a real field with a wrong value.
const FIELDS = ["teamId", "name", "slug", "sourceKind", "gitUrl", "sourcePath", "productionBranch", "outputDirectory", "rolloutSettings", "environment", "branch", "ref", "message", "hostname", "changes", "dryRun", "op", "key", "value", "targets", "sensitive", "id", "email", "role", "expiresInDays", "token", "password", "userId", "__proto__", "constructor", "prototype"];

function arbitraries() {
  const idLike = fc.oneof(fc.uuid(), fc.constantFrom(f.victim.teamId, f.victim.projectId, f.teamId, f.projectId, "", "..", "../../etc/passwd", "%2e%2e", "null", "0", "-1"), nastyString(4));
  // The token's own user and token are left out: revoking or demoting them would end the run's access.
  const param = (name: string) =>
    name === "slug" ? fc.oneof(fc.constantFrom(f.slug, f.victim.slug), idLike) : name === "teamId" ? fc.oneof(fc.constantFrom(f.teamId, f.victim.teamId), idLike) : idLike;
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(f.teamId, f.victim.teamId, f.slug, f.victim.slug, "main", "owner", "viewer", "production", "preview", "set", "git", "archive", "directory", "examples/static", 7, 30, 1e308, -1, 0.5, 2 ** 53 + 1, true, null, [], {}),
    nastyString(6),
  );
  const fieldObject = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((o) => JSON.stringify(o));
  const rawText = fc.oneof(
    fc.constantFrom(
      '{"__proto__":{"polluted":true},"teamId":"x"}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"changes":[{"op":"set","__proto__":{"polluted":true}}]}',
      '{"expiresInDays":1e400,"name":"x","role":"viewer"}',
      '{"limit":-0}',
      '{"a":9007199254740993123456789}',
      "",
      "null",
      "[]",
      '"string"',
      "{",
      "\u0000",
      "NaN",
    ),
    fc.integer({ min: 100, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.integer({ min: 100, max: 5_000 }).map((n) => '{"changes":'.repeat(n) + "1" + "}".repeat(n)),
    fc.string({ maxLength: 50 }),
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: fieldObject },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "") },
    { weight: 2, arbitrary: rawText },
    // Just over the 1 MiB limit on JSON bodies.
    { weight: 1, arbitrary: fc.constant(`{"name":"${"x".repeat((1 << 20) + 1)}"}`) },
  );
  const origin = fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(ORIGIN, "https://evil.test", "null", "not a url") });
  return fc
    .constantFrom(...ROUTES)
    .chain((route) => fc.record({ route: fc.constant(route), params: fc.record(Object.fromEntries(route.params.map((p) => [p, param(p)]))) as fc.Arbitrary<Params>, body, origin }));
}

it(
  "random bodies and parameters to every mutating API route: a 2xx, or a 4xx with a message that saves nothing",
  async () => {
    const check = await unchangedOnRefusal(db, f.teamId);
    await fuzz("json-bodies", arbitraries(), async ({ route, params, body, origin }) => {
      const headers = { ...f.auth, host: new URL(ORIGIN).host, ...(origin ? { origin } : {}) };
      const url = route.path(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(wellFormed(v))])));
      const what = `${route.method} ${url} ${body.slice(0, 300)}`;
      const answer = await callRoute({ handler: route.handler, method: route.method, url, params, body, headers });
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      expect(({} as Record<string, unknown>).polluted, "Object.prototype was polluted").toBeUndefined();
      if (origin && new URL(ORIGIN).origin !== origin) expect(answer.status, `cross-site ${what}`).toBe(403);
      return `${route.name}:${outcome}`;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(30),
);
