// Loaded with `node --import` into the console process by the e2e suite only
// (AUDIT_TRACE_FILE set): for every API call that is not a read, it appends one
// JSON line naming the tables the call changed and the audit rows it wrote, both
// as committed by Postgres. The audit-completeness check reads the file after
// the suite: a call that changed something must have written exactly one audit
// row; a call that changed nothing, none. It watches the SQL the pg driver sends,
// so it sees every write whichever verb made it, without code in the product.
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";

const file = process.env.AUDIT_TRACE_FILE;
const isConsole = process.argv.some((a) => a.endsWith("next/dist/bin/next")) && process.argv.includes("start");

if (file && isConsole) {
  const calls = new AsyncLocalStorage();
  const pg = createRequire(import.meta.url)("pg");

  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event !== "request" || !req.url?.startsWith("/api/") || ["GET", "HEAD", "OPTIONS"].includes(req.method)) {
      return emit.apply(this, arguments);
    }
    const call = { method: req.method, path: req.url.split("?")[0], tables: [], auditRows: 0, pending: null };
    res.on("finish", () => {
      const { method, path, tables, auditRows } = call;
      appendFileSync(file, `${JSON.stringify({ method, path, status: res.statusCode, tables: [...new Set(tables)], auditRows })}\n`);
    });
    return calls.run(call, () => emit.apply(this, arguments));
  };

  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const call = calls.getStore();
    const text = typeof config === "string" ? config : config?.text;
    if (!call || typeof text !== "string") return query.call(this, config, ...rest);
    const result = query.call(this, config, ...rest);
    if (typeof result?.then !== "function") return result;
    return result.then((r) => {
      record(call, text);
      return r;
    });
  };

  function record(call, text) {
    const sql = text.trim();
    if (/^(BEGIN|START TRANSACTION)\b/i.test(sql)) call.pending = { tables: [], auditRows: 0 };
    else if (/^COMMIT\b/i.test(sql)) commit(call);
    else if (/^ROLLBACK\b/i.test(sql) && !/^ROLLBACK TO/i.test(sql)) call.pending = null;
    else {
      const target = call.pending ?? { tables: [], auditRows: 0 };
      for (const table of writtenTables(sql)) {
        if (table === "audit_events") target.auditRows += 1;
        else target.tables.push(table);
      }
      if (!call.pending) merge(call, target);
    }
  }

  function commit(call) {
    if (call.pending) merge(call, call.pending);
    call.pending = null;
  }

  function merge(call, done) {
    call.tables.push(...done.tables);
    call.auditRows += done.auditRows;
  }

  // INSERT INTO / UPDATE / DELETE FROM <table>, with or without a schema and quotes;
  // "FOR UPDATE" and "DO UPDATE SET" are locks and upserts, not other tables.
  // A token's "last used" stamp is written on reads too; it is named apart so the
  // check can tell it from a change someone made.
  function writtenTables(sql) {
    if (/^UPDATE\s+("public"\.)?"api_tokens"\s+SET\s+"last_used_at"\s*=\s*\$\d+\s+WHERE/i.test(sql)) return ["api_tokens.last_used_at"];
    const found = [];
    for (const m of sql.matchAll(/\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"?(\w+)"?\.)?"?(\w+)"?/gi)) {
      const before = sql.slice(Math.max(0, m.index - 4), m.index);
      if (/FOR\s$|DO\s$/i.test(before)) continue;
      found.push(m[1] && m[1] !== "public" ? `${m[1]}.${m[2]}` : m[2]);
    }
    return found;
  }
}
