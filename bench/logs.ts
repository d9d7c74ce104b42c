// The Logs view at scale: 1,000,000 runtime log lines in one project (two
// deployments; requests with a realistic status mix, stdout and stderr
// lines, over about 14 hours), next to 200,000 lines of another project, bulk
// inserted into a temporary Postgres. Then the server time of the Logs API's
// verb (lib/logs/list-logs.ts, plus the JSON encoding the route does) for the
// first page, each filter the console offers, a page deep in the keyset, and
// a live tail's poll. Target (issue 20): p95 <= 100 ms for the first page and
// the filtered pages.
//
// The reference, in the same run: the same page read the naive way (OFFSET)
// at the same depth; the ratio is OFFSET p95 / keyset p95 there. EXPLAIN of
// each first page names the index the planner picked.
import { createHash } from "node:crypto";
import { withExplainedDb } from "@/bench/lib/explain";
import { median, percentile, timeInTurn } from "@/bench/lib/stats";
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { getTrace } from "@/lib/logs/get-trace";
import { listLogs, type LogPage } from "@/lib/logs/list-logs";
import { createProject } from "@/lib/projects/create-project";

const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
const OTHER_LINES = Math.round(LINES / 5);
const SAMPLES = Number(process.env.BENCH_LOG_SAMPLES ?? 100);
const LIMIT = 100;
const DEEP_PAGE = 50;
const TARGET_P95_MS = 100;


// `lines` rows for a project, spread over its deployments, one every 50 ms up to
// now. Every line has a trace id (traceOf): a stdout line shares the request's before it.
async function insertLines(db: Db, projectId: string, deployments: string[], lines: number) {
  await db.$executeRawUnsafe(
    `INSERT INTO log_lines (project_id, deployment_id, sha, at, source, method, path, status, status_class, duration_ms, bytes, arm, instance, text, trace_id)
     SELECT $1::uuid, (CASE WHEN i % 10 < 7 THEN $2 ELSE $3 END)::uuid, CASE WHEN i % 10 < 7 THEN 'aaaaaaa1' ELSE 'bbbbbbb2' END,
            now() - ((${lines} - i) * interval '50 milliseconds'),
            (CASE WHEN i % 5 = 0 THEN 'stdout' WHEN i % 50 = 1 THEN 'stderr' ELSE 'request' END)::"LogSource",
            r.method, r.path, r.status, r.status / 100, r.ms, r.bytes, NULL, 'node-1#' || (i % 2),
            CASE WHEN i % 5 = 0 THEN 'processed order ' || i || ' for customer ' || (i % 977)
                 WHEN i % 50 = 1 THEN 'warning: slow query on orders (' || (i % 300) || ' ms)' ELSE '' END,
            md5((CASE WHEN i % 5 = 0 THEN i - 1 ELSE i END)::text || $1)
     FROM generate_series(1, ${lines}) AS i,
     LATERAL (SELECT
       CASE WHEN i % 5 = 0 OR i % 50 = 1 THEN NULL WHEN i % 4 = 0 THEN 'POST' ELSE 'GET' END AS method,
       CASE WHEN i % 5 = 0 OR i % 50 = 1 THEN NULL WHEN i % 3 = 0 THEN '/' WHEN i % 3 = 1 THEN '/api/orders/' || (i % 500) ELSE '/assets/app-' || (i % 7) || '.js' END AS path,
       CASE WHEN i % 5 = 0 OR i % 50 = 1 THEN NULL WHEN i % 997 = 3 THEN 500 WHEN i % 41 = 2 THEN 404 WHEN i % 11 = 4 THEN 304 ELSE 200 END AS status,
       CASE WHEN i % 5 = 0 OR i % 50 = 1 THEN NULL ELSE (i % 89) * 0.7 END AS ms,
       CASE WHEN i % 5 = 0 OR i % 50 = 1 THEN NULL ELSE 500 + i % 20000 END AS bytes) AS r`,
    projectId,
    deployments[0],
    deployments[1] ?? deployments[0],
  );
}

async function seed(db: Db) {
  const suffix = Math.random().toString(16).slice(2, 10);
  const team = await db.team.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  const user = await db.user.create({ data: { email: `logs-${suffix}@example.test`, name: "On call", passwordHash: "x" } });
  await db.membership.create({ data: { teamId: team.id, userId: user.id, role: "developer" } });
  const ctx = userCtx(db, user.id);
  const projects = [];
  for (const name of ["shop", "other"]) {
    const project = await createProject({ ctx, input: { teamId: team.id, name, slug: `${name}-${suffix}`, sourceKind: "archive" } });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await db.deployment.create({
        data: { projectId: project.id, environment: "production", branch: "main", commitSha: `${i}`.repeat(40), status: "live", sourceKind: "archive", createdByKind: "user", createdById: user.id },
      });
      ids.push(d.id);
    }
    projects.push({ slug: project.slug, id: project.id, deployments: ids });
  }
  const started = performance.now();
  await insertLines(db, projects[0].id, projects[0].deployments, LINES);
  await insertLines(db, projects[1].id, projects[1].deployments, OTHER_LINES);
  await db.$executeRawUnsafe("ANALYZE log_lines");
  console.log(`  seeded ${LINES.toLocaleString("en")} lines in ${projects[0].slug} and ${OTHER_LINES.toLocaleString("en")} in another project in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { ctx, slug: projects[0].slug, projectId: projects[0].id, deployment: projects[0].deployments[1] };
}

const traceOf = (i: number, projectId: string) => createHash("md5").update(`${i}${projectId}`).digest("hex");

type Query = { name: string; scope: { slug: string } | { deploymentId: string }; input: Record<string, string> };

export async function logsBench() {
  await withExplainedDb("log_lines", async (db, explain) => {
    const s = await seed(db);
    const project = { slug: s.slug };
    const deployment = { deploymentId: s.deployment };
    const queries: Query[] = [
      { name: "project, no filter", scope: project, input: {} },
      { name: "deployment, no filter", scope: deployment, input: {} },
      { name: "status=5xx", scope: project, input: { status: "5xx" } },
      { name: "deployment + status=5xx", scope: deployment, input: { status: "5xx" } },
      { name: "status=4xx", scope: project, input: { status: "4xx" } },
      { name: "source=app", scope: project, input: { source: "app" } },
      { name: "source=stderr", scope: project, input: { source: "stderr" } },
      { name: "path=/api/orders/", scope: project, input: { path: "/api/orders/" } },
      { name: "text=customer 976", scope: project, input: { text: "customer 976" } },
      { name: "since=15m", scope: project, input: { since: "15m" } },
      { name: "5xx in an hour, 3 h ago", scope: project, input: { status: "5xx", since: "4h", until: new Date(Date.now() - 3 * 3_600_000).toISOString() } },
    ];
    const call = (q: Query, extra: Record<string, string> = {}, ctx: Ctx = s.ctx) => listLogs({ ctx, scope: q.scope, input: { ...q.input, limit: String(LIMIT), ...extra } });
    // The naive reference: the same rows by OFFSET (as a Prisma query with the verb's own where), at the same depth.
    const offsetPage = async (q: Query, page: number) => {
      const where = "slug" in q.scope ? { projectId: s.projectId } : { deploymentId: q.scope.deploymentId };
      return db.logLine.findMany({ where: { ...where, ...(q.input.status ? { statusClass: Number(q.input.status[0]) } : {}) }, orderBy: { id: "desc" }, skip: (page - 1) * LIMIT, take: LIMIT + 1 });
    };

    const ms = (xs: number[]) => `${median(xs).toFixed(1).padStart(6)} ${percentile(xs, 95).toFixed(1).padStart(6)}`;
    console.log(`  ${SAMPLES} samples per measurement, ${LIMIT} lines per page; server time = verb + JSON encoding; times in ms as "p50 p95"`);
    console.log(`  ${"query".padEnd(26)} ${"page 1".padEnd(13)}  ${"depth".padStart(5)}  ${"keyset".padEnd(13)}  ${"OFFSET".padEnd(13)}  ${"ratio".padStart(5)}  plan (page 1)`);
    let worst = 0;
    for (const q of queries) {
      let before: string | null = null;
      let page = 1;
      for (;;) {
        const r: LogPage = await call(q, before ? { before } : {});
        if (!r.nextBefore || page === DEEP_PAGE) break;
        before = r.nextBefore;
        page++;
      }
      const deepBefore = before;
      const simpleFilter = Object.keys(q.input).every((k) => k === "status");
      const fns = [async () => JSON.stringify(await call(q)), async () => JSON.stringify(await call(q, deepBefore ? { before: deepBefore } : {}))];
      if (simpleFilter) fns.push(async () => JSON.stringify(await offsetPage(q, page), (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
      const [first, deep, offset] = await timeInTurn(SAMPLES, fns);
      const plan = await explain.plan((c) => call(q, {}, c), s.ctx);
      worst = Math.max(worst, percentile(first, 95));
      const ratio = offset ? (percentile(offset, 95) / percentile(deep, 95)).toFixed(2) : "—";
      console.log(`  ${q.name.padEnd(26)} ${ms(first)}  ${`p.${page}`.padStart(5)}  ${ms(deep)}  ${offset ? ms(offset) : "—".padEnd(13)}  ${ratio.padStart(5)}  ${plan}`);
    }
    // A live tail's poll: the lines after the newest one (none new: what it does every second).
    const newest = (await call(queries[0], { limit: "1" })).lastId!;
    const [tail] = await timeInTurn(SAMPLES, [async () => JSON.stringify(await call(queries[0], { after: newest }))]);
    console.log(`  ${"tail poll (after newest)".padEnd(26)} ${ms(tail)}`);
    worst = Math.max(worst, percentile(tail, 95));
    // A trace opened from its line (lib/logs/get-trace.ts): a request in the middle and the output line after it.
    const middle = Math.round(LINES / 10) * 5;
    const openTrace = (ctx: Ctx) => getTrace({ ctx, slug: s.slug, input: { traceId: traceOf(middle - 1, s.projectId) } });
    const trace = await openTrace(s.ctx);
    if (trace.lines.length !== 2) throw new Error(`the trace has ${trace.lines.length} lines, not 2`);
    const [traced] = await timeInTurn(SAMPLES, [async () => JSON.stringify(await openTrace(s.ctx))]);
    console.log(`  ${"trace (2 lines)".padEnd(26)} ${ms(traced)}  ${await explain.plan(openTrace, s.ctx)}`);
    worst = Math.max(worst, percentile(traced, 95));
    console.log(`logs bench: ${worst <= TARGET_P95_MS ? "PASS" : "FAIL"} (worst first-page p95 ${worst.toFixed(1)} ms <= ${TARGET_P95_MS} ms, ${LINES.toLocaleString("en")} lines)`);
  });
}
