// The API side of the fuzz suites: the real route handlers (app/api/**/route.ts)
// called in-process with a Request and an API token, on the run's database,
// and the checks every answer must pass.
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { db as appDb, type Db } from "@/lib/db/client";
import { createProject } from "@/lib/projects/create-project";
import { plantSentinel, type Sentinel } from "@/lib/security/fuzz/fuzz";
import { testDataDir } from "@/lib/testing/deploy";
import { seedTeam, unique } from "@/lib/testing/seed";
import { createApiToken } from "@/lib/tokens/create-api-token";

export const ORIGIN = "http://console.test";

type RouteHandler<P> = (req: Request, context: { params: Promise<P> }) => Promise<Response>;

export type Call<P> = {
  handler: RouteHandler<P>;
  method: string;
  /** The URL path and query, as sent. */
  url: string;
  params: P;
  body?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
};

export type Answer = { status: number; text: string };

export async function callRoute<P>({ handler, method, url, params, body, headers = {} }: Call<P>): Promise<Answer> {
  const req = new Request(`${ORIGIN}${url}`, { method, headers: { "content-type": "application/json", ...headers }, body });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, text: await res.text() };
}

// Never a 5xx; a refusal is a 4xx in lib/http/to-response.ts's shape with a
// message; nothing names the sentinel. Returns the status and error code, for the tally.
export function expectWellFormed(answer: Answer, marker: string, what: string): string {
  expect(answer.status, `${what} → ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(answer.text.includes(marker), what).toBe(false);
  if (answer.status < 400) return String(answer.status);
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(answer.text) as { error?: typeof error }).error;
  } catch {
    expect.fail(`${what}: a ${answer.status} whose body is not JSON: ${answer.text.slice(0, 200)}`);
  }
  expect(typeof error?.code, what).toBe("string");
  expect(typeof error?.message === "string" && error.message.trim().length > 0, `${what}: a ${answer.status} without a message`).toBe(true);
  return `${answer.status}:${String(error?.code)}`;
}

// Everything the API can change for one team, as one digest. A token's
// last-used time moves on its own (tokenCtx touches it), so it is left out;
// the audit log only grows, so its row count stands for it (hashing every
// row each case would grow with the run).
export async function teamDigest(db: Db, teamId: string): Promise<string> {
  const rows = await db.$queryRaw<{ digest: string }[]>`
    WITH p AS (SELECT id FROM projects WHERE team_id = ${teamId}::uuid)
    SELECT md5(concat_ws('|',
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM teams x WHERE id = ${teamId}::uuid),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM memberships x WHERE team_id = ${teamId}::uuid),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM invitations x WHERE team_id = ${teamId}::uuid),
      (SELECT string_agg((to_jsonb(x) - 'last_used_at')::text, ',' ORDER BY to_jsonb(x)::text) FROM api_tokens x WHERE team_id = ${teamId}::uuid),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM projects x WHERE team_id = ${teamId}::uuid),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM env_vars x WHERE project_id IN (SELECT id FROM p)),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM domains x WHERE project_id IN (SELECT id FROM p)),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM deployments x WHERE project_id IN (SELECT id FROM p)),
      (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY to_jsonb(x)::text) FROM routes x WHERE project_id IN (SELECT id FROM p)),
      (SELECT count(*)::text FROM audit_events WHERE team_id = ${teamId}::uuid)
    )) AS digest`;
  return rows[0].digest;
}

// Proves a refused request saved nothing: the team's digest after it equals
// the one after the previous case (one query per case, not two).
export async function unchangedOnRefusal(db: Db, teamId: string) {
  let last = await teamDigest(db, teamId);
  return async (answer: Answer, what: string) => {
    const now = await teamDigest(db, teamId);
    if (answer.status >= 400) expect(now, `a refused request saved something: ${what}`).toBe(last);
    last = now;
  };
}

// A team with an owner's API token and one project of the given kind, plus a
// second team the token has no part in (its digest must never move), and a
// sentinel beside DATA_DIR. Route handlers reach the database through
// DATABASE_URL, as in production.
export function apiFixture(db: Db, sourceKind: "git" | "archive" = "git") {
  const dataDir = testDataDir();
  process.env.DATABASE_URL = inject("databaseUrl");
  afterAll(() => appDb().$disconnect());
  const f = {} as {
    teamId: string;
    userId: string;
    token: string;
    slug: string;
    projectId: string;
    victim: { teamId: string; slug: string; projectId: string };
    sentinel: Sentinel;
    auth: Record<string, string>;
  };
  beforeAll(async () => {
    const own = await seedTeamWithProject(db, sourceKind);
    const victim = await seedTeamWithProject(db, sourceKind);
    const { token } = await createApiToken({ ctx: userCtx(db, own.userId), input: { teamId: own.teamId, name: "fuzz", role: "owner", expiresInDays: null } });
    const sentinelFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.sentinel`);
    afterAll(() => rm(sentinelFile, { force: true }));
    const victimBefore = await teamDigest(db, victim.teamId);
    // Nothing the fuzzed token sends may touch a team it is not in, accepted or not.
    afterAll(async () => expect(await teamDigest(db, victim.teamId), "the other team changed").toBe(victimBefore));
    Object.assign(f, { ...own, token, victim, sentinel: await plantSentinel(sentinelFile), auth: { authorization: `Bearer ${token}` } });
  });
  return f;
}

async function seedTeamWithProject(db: Db, sourceKind: "git" | "archive") {
  const { team, user } = await seedTeam(db, "owner");
  const source = sourceKind === "git" ? { sourceKind, gitUrl: "https://git.example.test/acme/app.git" } : { sourceKind };
  const project = await createProject({ ctx: userCtx(db, user.id), input: { teamId: team.id, name: "Fuzz", slug: unique("fuzz"), ...source } });
  return { teamId: team.id, userId: user.id, slug: project.slug, projectId: project.id };
}
