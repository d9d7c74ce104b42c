import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { POST } from "@/app/api/hooks/git/[project]/route";
import { userCtx } from "@/lib/auth/ctx";
import { signBody } from "@/lib/hooks/push-signature";
import { rotateWebhookSecret } from "@/lib/projects/webhook-secret";
import { apiFixture, callRoute, expectWellFormed, ORIGIN, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, sendable } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";

// Random deliveries to POST /api/hooks/git/:project: random bodies, headers and
// signatures, and validly signed random payloads. Only a body signed with the
// project's own secret gets a 2xx; a deployment it starts names a valid branch
// and the pushed commit; every refusal is a 4xx that saves nothing.

const db = testDb();
const f = apiFixture(db);
let secret = "";
beforeAll(async () => {
  secret = (await rotateWebhookSecret({ ctx: userCtx(db, f.userId), slug: f.slug, requestOrigin: ORIGIN })).secret;
});

const now = () => Math.floor(Date.now() / 1000);
const hex40 = fc.stringMatching(/^[0-9a-f]{40}$/);
const ref = fc.oneof(
  fc.constantFrom("refs/heads/main", "refs/heads/feature/x", "refs/tags/v1", "refs/heads/-x", "refs/heads/../../x", "refs/heads/", "refs/pull/1/head", "main"),
  fc.stringMatching(/^[A-Za-z0-9._/-]{1,20}$/).map((b) => `refs/heads/${b}`),
  nastyString(6).map((b) => `refs/heads/${b}`),
  fc.string(),
);
const pushLike = fc.record(
  {
    ref,
    after: fc.oneof(hex40, fc.constant("0".repeat(40)), fc.string({ maxLength: 45 }), fc.integer()),
    deleted: fc.oneof(fc.boolean(), fc.jsonValue()),
    head_commit: fc.oneof(fc.constant(null), fc.record({ message: fc.oneof(fc.string(), nastyString(8), fc.constant(null)) }), fc.jsonValue()),
    repository: fc.oneof(
      fc.record({ pushed_at: fc.oneof(fc.integer({ min: -120, max: 120 }).map((d) => now() + d), fc.integer(), fc.double(), fc.constant(1e300)) }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);
// A push a git host would really send, to a random branch and commit.
const realPush = fc.record({
  ref: fc.oneof(fc.constantFrom("refs/heads/main", "refs/heads/feature/x"), fc.stringMatching(/^[A-Za-z0-9._/-]{1,30}$/).map((br) => `refs/heads/${br}`)),
  after: hex40,
  deleted: fc.constant(false),
  head_commit: fc.record({ message: fc.oneof(fc.string(), nastyString(8)) }),
  repository: fc.record({ full_name: fc.constant("acme/app"), pushed_at: fc.integer({ min: -60, max: 60 }).map((d) => now() + d) }),
});
const body = fc.oneof(
  { weight: 3, arbitrary: realPush.map((p) => Buffer.from(JSON.stringify(p))) },
  { weight: 4, arbitrary: pushLike.map((p) => Buffer.from(JSON.stringify(p))) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "")) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":1},"ref":"refs/heads/main"}', '{"constructor":{"prototype":{"polluted":1}}}', "[".repeat(5000), `{"ref":"${"x".repeat(2000)}"}`).map((s) => Buffer.from(s)) },
);
const delivery = fc.oneof({ weight: 5, arbitrary: fc.uuid() }, fc.constant(null), fc.string({ maxLength: 120 }), nastyString(4));
const event = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("push", "push", "push", "ping", "pull_request", "PUSH") }, fc.constant(null), fc.string({ maxLength: 60 }));
// How the request is signed: right, with the wrong secret, garbled, or not at all.
const signing = fc.constantFrom("valid", "valid", "valid", "wrong-secret", "garbled", "none", "uppercase");
const slug = fc.constantFrom("own", "own", "own", "other", "unknown");

function signature(kind: string, b: Buffer): string | null {
  const good = signBody(secret, b).toString("hex");
  if (kind === "valid") return `sha256=${good}`;
  if (kind === "uppercase") return `sha256=${good.toUpperCase()}`;
  if (kind === "wrong-secret") return `sha256=${signBody(`${secret}x`, b).toString("hex")}`;
  if (kind === "garbled") return `sha1=${good.slice(0, 40)}`;
  return null;
}

it(
  "random deliveries, signed or not, get a 2xx only with the project's signature and never save anything else",
  async () => {
    const check = await unchangedOnRefusal(db, f.teamId);
    const input = fc.record({ body, delivery, event, signing, slug });
    await fuzz("webhook-payloads", input, async (c) => {
      const target = c.slug === "own" ? f.slug : c.slug === "other" ? f.victim.slug : "no-such-project";
      const headers: Record<string, string> = {};
      const sig = signature(c.signing, c.body);
      if (sig !== null) headers["x-hub-signature-256"] = sig;
      if (c.delivery !== null) headers["x-github-delivery"] = sendable(c.delivery);
      if (c.event !== null) headers["x-github-event"] = sendable(c.event);
      const what = `${c.signing} ${target} ${c.event} ${c.body.toString("utf8").slice(0, 300)}`;
      const answer = await callRoute({ handler: POST, method: "POST", url: `/api/hooks/git/${target}`, params: { project: target }, body: new Uint8Array(c.body), headers });
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      expect(({} as Record<string, unknown>).polluted, "Object.prototype was polluted").toBeUndefined();
      if (answer.status >= 400) return outcome;
      expect(["valid", "uppercase"], what).toContain(c.signing);
      expect(target, what).toBe(f.slug);
      const reply = JSON.parse(answer.text) as { result?: string; deployment?: { branch: string; commitSha: string } };
      if (reply.result === "deployed") {
        const d = reply.deployment!;
        expect(d.branch).toMatch(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/);
        expect(d.branch.includes("..")).toBe(false);
        expect(d.commitSha).toMatch(/^[0-9a-f]{40}$/);
        await db.deployment.deleteMany({ where: { projectId: f.projectId } });
        await check(answer, "reset");
      }
      return `${outcome}:${reply.result}`;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(30),
);
