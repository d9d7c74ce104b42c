import { beforeAll, describe, expect, inject, it } from "vitest";
import { GET } from "@/app/api/projects/[slug]/deployments/route";
import { type Ctx, systemCtx, userCtx } from "@/lib/auth/ctx";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { type HistoryRow, historyRows, insertHistory } from "@/lib/deployments/testing/history-fixture";
import { createProject } from "@/lib/projects/create-project";
import { testDb } from "@/lib/testing/db";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, seedUser, unique } from "@/lib/testing/seed";
import { createApiToken } from "@/lib/tokens/create-api-token";

process.env.DATABASE_URL = inject("databaseUrl");
const db = testDb();

type Filters = Record<string, string | string[]>;

let ctx: Ctx;
let slug: string;
let rows: HistoryRow[];
let owner: string;
let other: string;
let otherTokens: string[];
let bearer: string;

// 400 generated rows (with their ties, failures, tokens and odd messages) plus a
// few written to catch the edge cases: five sharing one createdAt, a SHA
// starting "cafe" and a message with "cafe" in it, and messages that an
// unescaped LIKE pattern would wrongly match.
beforeAll(async () => {
  const { team, user } = await seedTeam(db, "owner");
  const second = await seedMember(db, team.id, "developer");
  owner = user.id;
  other = second.id;
  ctx = userCtx(db, owner);
  const project = await createProject({ ctx, input: { teamId: team.id, name: "History", slug: unique("hist"), sourceKind: "git", gitUrl: "https://git.example.com/acme/app.git" } });
  slug = project.slug;
  // The owner's token (used to call the API route) and one of the developer's, as an admin would have made it.
  const mine = await createApiToken({ ctx, input: { teamId: team.id, name: "ci", role: "viewer", expiresInDays: 30 } });
  bearer = mine.token;
  const theirs = await db.apiToken.create({ data: { teamId: team.id, userId: other, name: "deploy-bot", prefix: "slw_x", tokenHash: unique("hash"), role: "developer" } });
  otherTokens = [theirs.id];
  rows = historyRows({ projectId: project.id, count: 400, authors: { userIds: [owner, other], tokenIds: [mine.apiToken.id, theirs.id] }, seed: 7 });
  const tie = new Date(rows[200].createdAt);
  const extra = (id: string, over: Partial<HistoryRow>): HistoryRow => ({ ...rows[200], id, createdAt: tie, ...over });
  rows.push(
    extra("00000000-0000-4000-8000-000000000001", { commitSha: `cafe${"1".repeat(36)}`, commitMessage: "fix: flaky test" }),
    extra("00000000-0000-4000-8000-000000000002", { commitMessage: "feat: CAFE menu on the home page" }),
    extra("00000000-0000-4000-8000-000000000003", { commitMessage: "Closes #100." }),
    extra("00000000-0000-4000-8000-000000000004", { commitMessage: "rename userXid" }),
    extra("00000000-0000-4000-8000-000000000005", { commitMessage: "feat: 50 percent_rule" }),
  );
  await insertHistory(db, rows);
  // Another project's rows never show.
  const elsewhere = await createProject({ ctx, input: { teamId: team.id, name: "Other", slug: unique("other"), sourceKind: "git", gitUrl: "https://git.example.com/acme/other.git" } });
  await insertHistory(db, historyRows({ projectId: elsewhere.id, count: 50, authors: { userIds: [owner], tokenIds: [] }, seed: 8 }));
});

const byNewest = (a: HistoryRow, b: HistoryRow) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);

// The same filters applied to the rows in memory: what the history must return, in order.
function expected(f: { environment?: string; branch?: string; status?: string[]; authorIds?: string[]; q?: string }) {
  const q = f.q?.toLowerCase();
  return rows
    .filter((r) => !f.environment || r.environment === f.environment)
    .filter((r) => !f.branch || r.branch === f.branch)
    .filter((r) => !f.status || f.status.includes(r.status))
    .filter((r) => !f.authorIds || (r.createdById !== null && f.authorIds.includes(r.createdById)))
    .filter((r) => !q || (/^[0-9a-f]{4,64}$/.test(q) && r.commitSha.startsWith(q)) || (r.commitMessage ?? "").toLowerCase().includes(q))
    .sort(byNewest)
    .map((r) => r.id);
}

// Every page of the history under `filters`, following nextCursor to the end.
async function walk(filters: Filters, limit: number, as: Ctx = ctx) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    expect(pages).toBeLessThan(1000);
    const page: Awaited<ReturnType<typeof listDeployments>> = await listDeployments({ ctx: as, input: { ...filters, slug, limit: String(limit), ...(cursor ? { cursor } : {}) } });
    expect(page.deployments.length).toBeLessThanOrEqual(limit);
    ids.push(...page.deployments.map((d) => d.id));
    if (!page.nextCursor) return ids;
    expect(page.deployments).toHaveLength(limit);
    cursor = page.nextCursor;
  }
}

describe("listDeployments: filters, search and keyset pagination", () => {
  const cases: Array<[string, Filters, Parameters<typeof expected>[0]]> = [
    ["no filter", {}, {}],
    ["environment", { environment: "preview" }, { environment: "preview" }],
    ["production branch", { branch: "main" }, { branch: "main" }],
    ["feature branch", { branch: "feat/login-form" }, { branch: "feat/login-form" }],
    ["one status", { status: "failed" }, { status: ["failed"] }],
    ["several statuses, comma-separated", { status: "failed,canceled,live" }, { status: ["failed", "canceled", "live"] }],
    ["several statuses, repeated", { status: ["superseded", "queued"] }, { status: ["superseded", "queued"] }],
    ["author (their deploys and their tokens')", { author: "__other__" }, { authorIds: ["__other__", "__otherTokens__"] }],
    ["SHA prefix", { q: "__sha4__" }, { q: "__sha4__" }],
    ["SHA prefix in capitals", { q: "__SHA7__" }, { q: "__SHA7__" }],
    ["hex text: SHA prefix or message", { q: "cafe" }, { q: "cafe" }],
    ["message, case-insensitive", { q: "LOGIN form" }, { q: "LOGIN form" }],
    ["message with % (literal)", { q: "100%" }, { q: "100%" }],
    ["message with _ (literal)", { q: "user_id" }, { q: "user_id" }],
    ["message with %_ (literal)", { q: "50%_rule" }, { q: "50%_rule" }],
    ["everything at once", { environment: "preview", branch: "feat/login-form", status: "live,superseded", q: "fix" }, { environment: "preview", branch: "feat/login-form", status: ["live", "superseded"], q: "fix" }],
  ];
  const resolve = (v: string) => (v === "__other__" ? other : v === "__sha4__" ? rows[123].commitSha.slice(0, 4) : v === "__SHA7__" ? rows[321].commitSha.slice(0, 7).toUpperCase() : v);
  const resolveAll = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v.flatMap((x) => (x === "__otherTokens__" ? otherTokens : [resolve(x)])) : resolve(v)])) as T;

  it.each(cases)("%s: every page walked gives exactly the matching rows, newest first, once each", async (_name, filters, spec) => {
    const want = expected(resolveAll(spec));
    expect(want.length).toBeGreaterThan(0);
    for (const limit of [1, 7, 50]) {
      if (limit === 1 && want.length > 60) continue;
      const got = await walk(resolveAll(filters), limit);
      expect(got).toEqual(want);
    }
  });

  it("counts API-token deploys as their creator's, and author=me as the caller's", async () => {
    expect(await walk({ author: "me" }, 25, userCtx(db, other))).toEqual(expected({ authorIds: [other, ...otherTokens] }));
    const mine = expected({ authorIds: [owner] });
    expect((await walk({ author: owner }, 50)).length).toBeGreaterThan(mine.length);
  });

  it("walks rows that share one createdAt across page boundaries without losing or repeating any", async () => {
    const tie = rows[200].createdAt.getTime();
    const tied = rows.filter((r) => r.createdAt.getTime() === tie).length;
    expect(tied).toBeGreaterThanOrEqual(6);
    for (const limit of [2, 3, 4]) expect(await walk({}, limit)).toEqual(expected({}));
  });

  it("keeps its place when new deployments arrive between pages", async () => {
    const first = await listDeployments({ ctx, input: { slug, limit: "20" } });
    const newer = historyRows({ projectId: rows[0].projectId, count: 3, authors: { userIds: [owner], tokenIds: [] }, seed: 99, now: Date.now() + 3600_000 }).map((r) => ({ ...r, createdAt: new Date(Date.now() + 3600_000), startedAt: null, finishedAt: null }));
    await insertHistory(db, newer);
    try {
      const ids = first.deployments.map((d) => d.id);
      let cursor = first.nextCursor;
      while (cursor) {
        const page: Awaited<ReturnType<typeof listDeployments>> = await listDeployments({ ctx, input: { slug, limit: "20", cursor } });
        ids.push(...page.deployments.map((d) => d.id));
        cursor = page.nextCursor;
      }
      expect(ids).toEqual(expected({}));
      const head = await listDeployments({ ctx, input: { slug, limit: "3" } });
      expect(head.deployments.map((d) => d.id).sort()).toEqual(newer.map((r) => r.id).sort());
    } finally {
      await db.deployment.deleteMany({ where: { id: { in: newer.map((r) => r.id) } } });
    }
  });

  it("returns each row's author and an opaque cursor", async () => {
    const page = await listDeployments({ ctx, input: { slug, limit: "5", author: owner } });
    expect(page.deployments.every((d) => d.author?.name === "Test User" && d.createdByKind === "user")).toBe(true);
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("takes repeated parameters through the API route as a list", async () => {
    const url = `http://localhost/api/projects/${slug}/deployments?status=failed&status=canceled&limit=100`;
    const res = await GET(new Request(url, { headers: { authorization: `Bearer ${bearer}` } }), { params: Promise.resolve({ slug }) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.deployments.map((d: { id: string }) => d.id)).toEqual(expected({ status: ["failed", "canceled"] }).slice(0, 100));
    const bad = await GET(new Request(`http://localhost/api/projects/${slug}/deployments?branch=a&branch=b`, { headers: { authorization: `Bearer ${bearer}` } }), { params: Promise.resolve({ slug }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe("branch: Give branch only once.");
  });
});

describe("listDeployments: parameters it refuses", () => {
  const refused: Array<[Filters, string]> = [
    [{ limit: "0" }, "limit: Limit must be a whole number from 1 to 100."],
    [{ limit: "101" }, "limit: Limit must be a whole number from 1 to 100."],
    [{ limit: "ten" }, "limit: Limit must be a whole number from 1 to 100."],
    [{ limit: "2.5" }, "limit: Limit must be a whole number from 1 to 100."],
    [{ cursor: "not-a-cursor" }, "cursor: Cursor is not valid: pass the nextCursor of the previous page as it is."],
    [{ cursor: Buffer.from("2024-01-01T00:00:00.000Z|nope").toString("base64url") }, "cursor: Cursor is not valid: pass the nextCursor of the previous page as it is."],
    [{ environment: "staging" }, "environment: Environment must be one of production, preview, development."],
    [{ status: "live,bogus" }, 'status: "bogus" is not a status: use one or more of queued, building, built, uploading, canary, live, superseded, failed, canceled, separated by commas.'],
    [{ branch: "../etc" }, "branch: That is not a valid branch name."],
    [{ branch: "a b" }, "branch: Branch names use letters, digits, '.', '_', '-' and '/'."],
    [{ author: "bob" }, 'author: Author must be a user id or "me".'],
    [{ q: "x".repeat(201) }, "q: Search (q) is at most 200 characters."],
    [{ sort: "asc" }, 'Unknown parameter "sort": the history takes limit, cursor, environment, branch, status, author and q.'],
    [{ q: ["a", "b"] }, "q: Give q only once."],
  ];
  it.each(refused)("%o → %s", async (filters, message) => {
    const e = await appError(listDeployments({ ctx, input: { ...filters, slug } }));
    expect(e.code).toBe("invalid");
    expect(e.message).toBe(message);
  });

  it("treats empty parameters as unset", async () => {
    const page = await listDeployments({ ctx, input: { slug, limit: "10", environment: "", branch: "", status: "", author: "", q: "  ", cursor: "" } });
    expect(page.deployments.map((d) => d.id)).toEqual(expected({}).slice(0, 10));
  });

  it('refuses author "me" for the system, and answers "not found" outside the team', async () => {
    expect((await appError(listDeployments({ ctx: systemCtx(db, "test"), input: { slug, author: "me" } }))).message).toBe('author: "me" needs a signed-in user or an API token.');
    const stranger = await seedUser(db);
    expect((await appError(listDeployments({ ctx: userCtx(db, stranger.id), input: { slug } }))).code).toBe("not_found");
  });
});
