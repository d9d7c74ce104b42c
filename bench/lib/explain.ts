import { PrismaPg } from "@prisma/adapter-pg";
import { onCleanup } from "@/bench/lib/proc";
import type { Ctx } from "@/lib/auth/ctx";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { startTempPostgres } from "@/lib/db/temp-postgres";
import { PrismaClient } from "@/lib/generated/prisma/client";

// The index (or scan) a verb's main query reads `table` with: the SQL Prisma
// sends for it (the last ordered query on that table), run again under EXPLAIN.
export async function explainer(url: string, table: string) {
  const logged = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), log: [{ emit: "event", level: "query" }] });
  let last: { query: string; params: string } | null = null;
  const from = `FROM "public"."${table}"`;
  logged.$on("query", (e) => {
    if (e.query.includes(from) && /ORDER BY/.test(e.query)) last = { query: e.query, params: e.params };
  });
  return {
    client: logged,
    async plan(run: (ctx: Ctx) => Promise<unknown>, ctx: Ctx) {
      last = null;
      await run({ ...ctx, db: logged });
      const captured = last as { query: string; params: string } | null;
      if (!captured) return "(no query)";
      const rows = await logged.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${captured.query}`, ...JSON.parse(captured.params));
      const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
      const used = [...text.matchAll(/(Index Scan(?: Backward)?|Index Only Scan|Bitmap Index Scan) (?:using|on) (\S+)/g)].map((m) => `${m[1].replace(" Scan", "")} ${m[2]}`);
      const seq = new RegExp(`Seq Scan on ${table}`).test(text) ? [`Seq Scan ${table}`] : [];
      const sort = /Incremental Sort/.test(text) ? " + incremental sort" : /\bSort\b/.test(text) ? " + sort" : "";
      return [...new Set([...used, ...seq])].join(", ") + sort;
    },
  };
}

export type Explainer = Awaited<ReturnType<typeof explainer>>;

/** A temporary Postgres with the schema applied, its client and an explainer of `table`, for `run`; all stopped after, whatever happens. */
export async function withExplainedDb<T>(table: string, run: (db: Db, explain: Explainer) => Promise<T>): Promise<T> {
  const pg = await startTempPostgres();
  const unregister = onCleanup(() => pg.stop());
  const db = createDb(pg.url);
  let explain: Explainer | undefined;
  try {
    await applyMigrations(pg.url);
    explain = await explainer(pg.url, table);
    return await run(db, explain);
  } finally {
    await explain?.client.$disconnect();
    await db.$disconnect();
    unregister();
    await pg.stop();
  }
}
