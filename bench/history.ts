// Deployment history at scale: 10,000 deployments in one project (a realistic
// mix of environments, branches, statuses, authors and messages, bulk
// inserted), then the server time of the history API's verb
// (lib/deployments/list-deployments.ts, plus the JSON encoding the route does)
// with a real ctx against a real temporary Postgres, for the first page, a
// page deep in the keyset (page 50), each filter, SHA and message search, and
// the branches list. Target: p95 <= 100 ms for every query.
//
// The reference, in the same run: the same query paginated the naive way
// (OFFSET), at the same depth. For each query: its first page (the target),
// then its deepest page up to page 50, by keyset and by OFFSET; the ratio is
// OFFSET p95 / keyset p95 there. EXPLAIN of each first page names the index
// the planner picked.
import { withExplainedDb } from "@/bench/lib/explain";
import { seedHistory } from "@/bench/lib/history-seed";
import { median, percentile, timeInTurn } from "@/bench/lib/stats";
import type { Ctx } from "@/lib/auth/ctx";
import { summarySelect, withAuthors, withCanaryWeights } from "@/lib/deployments/deployment-summary";
import { HISTORY_ORDER, historyInput, historyWhere } from "@/lib/deployments/history-query";
import { listBranches } from "@/lib/deployments/list-branches";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { getProject } from "@/lib/projects/get-project";

const ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_HISTORY_SAMPLES ?? 200);
const LIMIT = 50;
const DEEP_PAGE = 50;
const TARGET_P95_MS = 100;


type Query = { name: string; input: Record<string, string> };

export async function historyBench() {
  await withExplainedDb("deployments", async (db, explain) => {
    const s = await seedHistory(db, ROWS);
    const shaOf = s.rows[Math.floor(s.rows.length / 3)].commitSha;
    const busyBranch = "feat/login-form";
    const queries: Query[] = [
      { name: "no filter", input: {} },
      { name: "environment=preview", input: { environment: "preview" } },
      { name: "branch=main", input: { branch: "main" } },
      { name: `branch=${busyBranch}`, input: { branch: busyBranch } },
      { name: "status=failed", input: { status: "failed" } },
      { name: "status=failed,canceled", input: { status: "failed,canceled" } },
      { name: "author=<user>", input: { author: s.userIds[3] } },
      { name: "author=me (user + tokens)", input: { author: "me" } },
      { name: "preview + branch + live", input: { environment: "preview", branch: busyBranch, status: "live,superseded" } },
      { name: "q=<7-char SHA prefix>", input: { q: shaOf.slice(0, 7) } },
      { name: "q=login (message)", input: { q: "login" } },
      { name: "q=100% (rare message)", input: { q: "100%" } },
    ];

    const call = (input: Record<string, string>, ctx: Ctx = s.ctx) => listDeployments({ ctx, input: { ...input, slug: s.slug, limit: String(LIMIT) } });
    // The naive reference: the same work (project and role, author ids, rows,
    // authors, canary weights) with OFFSET instead of a cursor.
    const offsetPage = async (input: Record<string, string>, page: number) => {
      const { limit, author, environment, branch, status, q } = historyInput.parse({ ...input, slug: s.slug, limit: String(LIMIT) });
      const { project } = await getProject({ ctx: s.ctx, slug: s.slug });
      const authorId = author === "me" ? s.userIds[0] : author;
      const authorIds = authorId ? [authorId, ...(await db.apiToken.findMany({ where: { teamId: project.teamId, userId: authorId }, select: { id: true } })).map((t) => t.id)] : undefined;
      const rows = await db.deployment.findMany({
        where: historyWhere(project.id, { environment, branch, status, q, authorIds }),
        orderBy: HISTORY_ORDER,
        skip: (page - 1) * limit,
        take: limit + 1,
        select: summarySelect,
      });
      const shown = rows.slice(0, limit);
      const [authored, weighted] = await Promise.all([withAuthors(db, shown), withCanaryWeights(db, shown)]);
      return authored.map((d, i) => ({ ...d, canaryWeight: weighted[i].canaryWeight }));
    };

    console.log(`  ${SAMPLES} samples per measurement, ${LIMIT} rows per page; server time = verb + JSON encoding`);
    const ms = (xs: number[]) => `${median(xs).toFixed(1).padStart(5)} ${percentile(xs, 95).toFixed(1).padStart(5)}`;
    console.log(`  target: p95 <= ${TARGET_P95_MS} ms; times in ms as "p50 p95"; ratio = OFFSET p95 / keyset p95 at the same depth`);
    console.log(`  ${"query".padEnd(28)} ${"rows".padStart(6)}  ${"page 1".padEnd(11)}  ${"depth".padStart(5)}  ${"keyset".padEnd(11)}  ${"OFFSET".padEnd(11)}  ${"ratio".padStart(5)}  plan (page 1)`);
    let worst = 0;
    for (const q of queries) {
      // Walk the keyset to the deepest page up to DEEP_PAGE (untimed), keeping its cursor.
      let cursor: string | null = null;
      let page = 1;
      let matched = 0;
      for (;;) {
        const r = await listDeployments({ ctx: s.ctx, input: { ...q.input, slug: s.slug, limit: String(LIMIT), ...(cursor ? { cursor } : {}) } });
        matched += r.deployments.length;
        if (!r.nextCursor || page === DEEP_PAGE) break;
        cursor = r.nextCursor;
        page++;
      }
      const deepCursor = cursor;
      const deepInput = page > 1 && deepCursor ? { ...q.input, cursor: deepCursor } : q.input;
      const [first, deep, offset] = await timeInTurn(SAMPLES, [
        async () => JSON.stringify(await call(q.input)),
        async () => JSON.stringify(await call(deepInput)),
        async () => JSON.stringify(await offsetPage(q.input, page)),
      ]);
      const plan = await explain.plan((c) => call(q.input, c), s.ctx);
      const p95 = percentile(first, 95);
      worst = Math.max(worst, p95, percentile(deep, 95));
      const rows = page === DEEP_PAGE ? `${matched}+` : String(matched);
      console.log(`  ${q.name.padEnd(28)} ${rows.padStart(6)}  ${ms(first)}  ${`p.${page}`.padStart(5)}  ${ms(deep)}  ${ms(offset)}  ${(percentile(offset, 95) / percentile(deep, 95)).toFixed(2).padStart(5)}  ${plan}`);
    }
    const [branches] = await timeInTurn(SAMPLES, [async () => JSON.stringify(await listBranches({ ctx: s.ctx, slug: s.slug }))]);
    const count = (await listBranches({ ctx: s.ctx, slug: s.slug })).branches.length;
    worst = Math.max(worst, percentile(branches, 95));
    console.log(`  ${"branches (GET …/branches)".padEnd(28)} ${String(count).padStart(6)}  ${ms(branches)}`);
    console.log(`history bench: ${worst <= TARGET_P95_MS ? "PASS" : "FAIL"} (worst p95 ${worst.toFixed(1)} ms <= ${TARGET_P95_MS} ms, ${ROWS} deployments)`);
  });
}
