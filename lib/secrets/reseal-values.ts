import type pg from "pg";
import type { SecretKey } from "@/lib/secrets/keyring";
import { seal, unseal, UnsealError } from "@/lib/secrets/seal";

// Every sealed column. `label` describes a row in a report (never its value).
const COLUMNS = [
  {
    noun: "env values",
    table: "env_vars",
    column: "value_enc",
    keyIdColumn: "key_id",
    label: `'variable ' || t.key || ' of ' || coalesce((SELECT p.slug FROM projects p WHERE p.id = t.project_id), '?')`,
  },
  { noun: "deployment runtime sets", table: "deployments", column: "runtime_env_enc", keyIdColumn: null, label: `'runtime variables of deployment ' || t.id` },
  { noun: "webhook secrets", table: "projects", column: "webhook_secret_enc", keyIdColumn: null, label: `'webhook secret of ' || t.slug` },
  { noun: "certificate keys", table: "certificates", column: "key_enc", keyIdColumn: "key_id", label: `'private key of the certificate for ' || t.hostname` },
  { noun: "ACME account keys", table: "acme_accounts", column: "key_enc", keyIdColumn: "key_id", label: `'ACME account key for ' || t.directory_url` },
  { noun: "log drain secrets", table: "log_drains", column: "secret_enc", keyIdColumn: null, label: `'secret of the log drain to ' || t.url` },
] as const;

export type Unreadable = { what: string; reason: string };
export type ResealBudget = { batches: number };
export type ResealPass = { resealed: number; skipped: number; unreadable: Unreadable[]; stopped: boolean };

// One pass over every sealed column: each value not sealed under `key`'s current
// id is opened (with any key the ring holds) and sealed again, `batchSize` rows
// per statement, walking ids in order so a pass ends. A row changed meanwhile is
// left alone (compare-and-set on the old ciphertext) and counted as skipped: the
// next pass looks at it again. Re-running after a kill only finds what is left.
export async function resealValues(
  client: pg.ClientBase,
  key: SecretKey,
  opts: { batchSize: number; budget: ResealBudget; log: (line: string) => void },
): Promise<ResealPass> {
  const pass: ResealPass = { resealed: 0, skipped: 0, unreadable: [], stopped: false };
  for (const c of COLUMNS) {
    const stale = `t.${c.column} IS NOT NULL AND (split_part(t.${c.column}, '.', 2) <> $1${c.keyIdColumn ? ` OR t.${c.keyIdColumn} <> $1` : ""})`;
    const counted = await client.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${c.table} t WHERE ${stale}`, [key.id]);
    const total = counted.rows[0].total;
    if (total === 0) continue;
    let cursor = "00000000-0000-0000-0000-000000000000";
    let done = 0;
    let unopened = 0;
    for (;;) {
      if (opts.budget.batches <= 0) return { ...pass, stopped: true };
      const { rows } = await client.query<{ id: string; sealed: string; label: string }>(
        `SELECT t.id::text AS id, t.${c.column} AS sealed, ${c.label} AS label FROM ${c.table} t
         WHERE ${stale} AND t.id > $2::uuid ORDER BY t.id LIMIT $3`,
        [key.id, cursor, opts.batchSize],
      );
      if (rows.length === 0) break;
      opts.budget.batches--;
      cursor = rows[rows.length - 1].id;
      const ids: string[] = [];
      const olds: string[] = [];
      const fresh: string[] = [];
      for (const row of rows) {
        try {
          fresh.push(seal(key, unseal(key, row.sealed)));
          ids.push(row.id);
          olds.push(row.sealed);
        } catch (e) {
          if (!(e instanceof UnsealError)) throw e;
          pass.unreadable.push({ what: row.label, reason: e.message });
          unopened++;
        }
      }
      const written = ids.length === 0 ? 0 : await writeBatch(client, c, ids, olds, fresh);
      pass.resealed += written;
      pass.skipped += ids.length - written;
      done += rows.length;
      opts.log(`re-sealed ${done - unopened}/${total} ${c.noun}${unopened ? ` (${unopened} could not be opened)` : ""}`);
    }
  }
  return pass;
}

// One statement, so one transaction per batch. updated_at is left alone: a
// re-seal is not a change anyone made to the variable.
async function writeBatch(client: pg.ClientBase, c: (typeof COLUMNS)[number], ids: string[], olds: string[], fresh: string[]) {
  const setKeyId = c.keyIdColumn ? `, ${c.keyIdColumn} = split_part(v.fresh, '.', 2)` : "";
  const result = await client.query(
    `UPDATE ${c.table} AS t SET ${c.column} = v.fresh${setKeyId}
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, old, fresh)
     WHERE t.id = v.id AND t.${c.column} = v.old`,
    [ids, olds, fresh],
  );
  return result.rowCount ?? 0;
}
