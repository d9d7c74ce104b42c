import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";

// Runs after every other spec (playwright.config.ts: a project that depends on
// the console specs). lib/testing/audit-trace-preload.mjs traced each API call
// that was not a read: the tables it changed and the audit rows it wrote, as
// committed. A call that changed something wrote exactly one audit row; a call
// that changed nothing (refused, a preview, a duplicate) wrote none.
type Call = { method: string; path: string; status: number; tables: string[]; auditRows: number };

// Writes that are not a change someone made: the sign-in throttle's counters
// and an API token's "last used" stamp.
const BOOKKEEPING = new Set(["sign_in_failures", "api_tokens.last_used_at"]);

// /api/deployments/3f…/promote → /api/deployments/:id/promote, to group the report.
const shape = (p: string) =>
  p.replace(/\/(deployments|rollouts|domains|members|tokens|teams)\/[^/]+/g, "/$1/:id").replace(/\/(projects|git)\/[^/]+/g, "/$1/:slug");

test("every API call that changed something wrote exactly one audit row; the others none", () => {
  const lines = readFileSync(process.env.E2E_AUDIT_TRACE_FILE!, "utf8").trim().split("\n").filter(Boolean);
  const calls = lines.map((l) => JSON.parse(l) as Call);
  const changed = (c: Call) => c.tables.some((t) => !BOOKKEEPING.has(t));
  const wrong = calls.filter((c) => c.auditRows !== (changed(c) ? 1 : 0));

  const byRoute = new Map<string, { calls: number; changes: number; auditRows: number }>();
  for (const c of calls) {
    const key = `${c.method} ${shape(c.path)}`;
    const row = byRoute.get(key) ?? { calls: 0, changes: 0, auditRows: 0 };
    row.calls += 1;
    row.changes += changed(c) ? 1 : 0;
    row.auditRows += c.auditRows;
    byRoute.set(key, row);
  }
  console.table(Object.fromEntries([...byRoute].sort()));
  const changes = calls.filter(changed).length;
  const auditRows = calls.reduce((n, c) => n + c.auditRows, 0);
  console.log(`audit completeness: ${calls.length} API writes, ${changes} changed state, ${auditRows} audit rows, ${wrong.length} mismatches`);

  expect(wrong, "calls whose audit rows do not match what they changed").toEqual([]);
  // The trace saw the suite's changes at all (deploys, promotes, variables, domains, team).
  expect(changes).toBeGreaterThan(20);
});
