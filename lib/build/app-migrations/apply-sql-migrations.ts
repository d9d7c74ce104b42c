import { createHash } from "node:crypto";
import pg from "pg";
import { AppMigrationError } from "@/lib/build/app-migrations/app-migration-error";
import { type MigrationFile, readMigrationFiles } from "@/lib/build/app-migrations/migration-files";
import { describeUrl } from "@/lib/db/check-connection";

// Applies an app's own migrations/*.sql to its environment's database (the app's
// DATABASE_URL, not Slipway's) during a deployment, before anything is published.
//
// - One dedicated connection per run holds a session advisory lock derived from
//   lockKey for the whole run, so concurrent deployments of one environment take
//   turns; the second one then finds nothing left to do.
// - Each pending file runs in its own transaction together with its row in
//   _slipway_migrations: a failure rolls back both, and the deployment fails.
// - A recorded file whose content changed is refused; a recorded file that is
//   gone only earns a warning.
// The file's SQL is the app's code and runs as-is; everything Slipway sends
// itself is constant text with parameters.

export type ApplySqlMigrationsOptions = {
  databaseUrl: string;
  dir: string;
  lockKey: string;
  log: (text: string) => void;
  deploymentId: string;
  timeoutMs?: number;
};

export type ApplySqlMigrationsResult = { applied: string[]; skipped: number };

export const DEFAULT_MIGRATION_TIMEOUT_MS = 5 * 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
const TABLE_NAME = "_slipway_migrations";

// The first 8 bytes of sha256(lockKey) as a signed 64-bit advisory lock key.
export function advisoryLockKey(lockKey: string): bigint {
  return createHash("sha256").update(lockKey).digest().readBigInt64BE(0);
}

export async function applySqlMigrations(opts: ApplySqlMigrationsOptions): Promise<ApplySqlMigrationsResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_MIGRATION_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new AppMigrationError(`Invalid migration timeout ${String(opts.timeoutMs)}: expected a positive number of milliseconds.`);
  }
  const redact = redactor(opts.databaseUrl);
  const log = (text: string) => opts.log(redact(text).replace(/\s*[\r\n]+\s*/g, " "));

  const files = await readMigrationFiles(opts.dir).catch((e: unknown) => {
    throw asAppMigrationError(e, redact);
  });
  if (files.length === 0) {
    log("no SQL migrations to apply");
    return { applied: [], skipped: 0 };
  }

  const client = await connect(opts.databaseUrl, redact);
  let locked = false;
  try {
    await acquireLock(client, advisoryLockKey(opts.lockKey), log);
    locked = true;
    return await applyPending(client, files, { ...opts, timeoutMs }, log);
  } catch (e) {
    throw asAppMigrationError(e, redact);
  } finally {
    if (locked) {
      // Closing the connection releases the lock anyway; unlocking first is just tidy.
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [advisoryLockKey(opts.lockKey).toString()]).catch(() => undefined);
    }
    await close(client);
  }
}

async function connect(databaseUrl: string, redact: (s: string) => string): Promise<pg.Client> {
  let url: URL | null = null;
  try {
    url = new URL(databaseUrl);
  } catch {
    // reported below
  }
  if (!url || !["postgres:", "postgresql:"].includes(url.protocol) || !url.hostname) {
    throw new AppMigrationError("The app's DATABASE_URL is not a valid postgres:// URL.");
  }
  const where = describeUrl(databaseUrl);
  let client: pg.Client | undefined;
  try {
    client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: "slipway-app-migrations",
    });
    // A connection dropped while idle would otherwise be an uncaught 'error' event;
    // the next query on it fails instead, and that failure is reported.
    client.on("error", () => undefined);
    await client.connect();
  } catch (e) {
    if (client) await close(client);
    const err = e as NodeJS.ErrnoException;
    const reason = err.message || err.code || String(e);
    // No `cause`: a URL parse error carries the whole URL, password included.
    throw new AppMigrationError(redact(`Cannot connect to the app database at ${where}: ${reason}`));
  }
  return client;
}

async function close(client: pg.Client) {
  // end() waits for the server to close the socket; don't hang a deployment on a dead peer.
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref()),
  ]);
}

async function acquireLock(client: pg.Client, key: bigint, log: (text: string) => void) {
  const param = [key.toString()];
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", param);
  if (rows[0].ok) return;
  log("waiting for another deployment of this environment to finish its migrations");
  // The database's default timeouts must not fail a deployment that is merely queued;
  // the run holding the lock is bounded by its own per-migration timeout.
  await client.query("SELECT set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)");
  await client.query("SELECT pg_advisory_lock($1::bigint)", param);
  await client.query("RESET statement_timeout; RESET lock_timeout");
}

type RecordedRow = { name: string; checksum: string; deployment_id: string | null };

async function applyPending(
  client: pg.Client,
  files: MigrationFile[],
  opts: ApplySqlMigrationsOptions & { timeoutMs: number },
  log: (text: string) => void,
): Promise<ApplySqlMigrationsResult> {
  const table = await ensureTable(client);
  const { rows } = await client.query<RecordedRow>(`SELECT name, checksum, deployment_id FROM ${table} ORDER BY name`);
  const recorded = new Map(rows.map((r) => [r.name, r]));
  const local = new Set(files.map((f) => f.name));

  for (const r of rows) {
    if (!local.has(r.name)) {
      const by = r.deployment_id ? ` by deployment ${r.deployment_id}` : "";
      log(`warning: ${r.name} was applied${by} but is no longer in the migrations directory`);
    }
  }
  const changed = files.filter((f) => recorded.has(f.name) && recorded.get(f.name)!.checksum !== f.checksum);
  if (changed.length > 0) {
    const names = changed.map((f) => f.name).join(", ");
    throw new AppMigrationError(
      `Migration ${names} ${changed.length === 1 ? "was" : "were"} changed after being applied to this environment's database; ` +
        `it will not be run again. Restore the original file and put the change in a new migration.`,
      { migration: changed[0].name },
    );
  }

  const pending = files.filter((f) => !recorded.has(f.name));
  const skipped = files.length - pending.length;
  log(`${pending.length} pending SQL migration${pending.length === 1 ? "" : "s"}, ${skipped} already applied`);
  const latest = files.filter((f) => recorded.has(f.name)).at(-1)?.name;
  const applied: string[] = [];
  for (const file of pending) {
    if (latest && file.name < latest) log(`note: ${file.name} sorts before ${latest}, which was applied earlier`);
    log(`applying ${file.name}`);
    const started = performance.now();
    await applyOne(client, file, table, opts, log);
    log(`applied ${file.name} (${Math.round(performance.now() - started)} ms)`);
    applied.push(file.name);
  }
  return { applied, skipped };
}

// Finds or creates the bookkeeping table and returns its schema-qualified name,
// so a migration that changes search_path (pg_dump output empties it) cannot
// make the bookkeeping insert look elsewhere.
async function ensureTable(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ existing: string | null; current: string | null }>(
    `SELECT (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = to_regclass($1)) AS existing,
            current_schema() AS current`,
    [TABLE_NAME],
  );
  const schema = rows[0].existing ?? rows[0].current;
  if (!schema) {
    throw new AppMigrationError(
      `Cannot create ${TABLE_NAME}: no schema in the database user's search_path exists to create it in.`,
    );
  }
  const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(TABLE_NAME)}`;
  if (!rows[0].existing) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      deployment_id text
    )`);
  }
  return table;
}

async function applyOne(
  client: pg.Client,
  file: MigrationFile,
  table: string,
  opts: { deploymentId: string; timeoutMs: number },
  log: (text: string) => void,
) {
  let txid: string | undefined;
  let stage: "begin" | "sql" | "record" = "begin";
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ txid: string }>(
      "SELECT txid_current()::text AS txid, set_config('statement_timeout', $1, true)",
      [String(opts.timeoutMs)],
    );
    txid = rows[0].txid;
    stage = "sql";
    await client.query(file.sql); // no parameters: the simple protocol, so several statements are fine
    stage = "record";
    const ownTransaction = (await currentTxid(client)) === txid;
    await client.query(`INSERT INTO ${table} (name, checksum, deployment_id) VALUES ($1, $2, $3)`, [
      file.name,
      file.checksum,
      opts.deploymentId,
    ]);
    if (ownTransaction) {
      await client.query("COMMIT");
    } else {
      log(
        `warning: ${file.name} ends the transaction itself (COMMIT/ROLLBACK), so it was not atomic with its ` +
          `bookkeeping; remove transaction statements from migrations`,
      );
    }
  } catch (e) {
    const state = txid ? await transactionState(client, txid) : "unknown";
    await client.query("ROLLBACK").catch(() => undefined);
    let message = `Migration ${file.name} failed: ${describePgError(e, stage === "sql" ? file.sql : undefined, opts.timeoutMs)}`;
    if (state === "ended") {
      message +=
        " The file ends the transaction itself (COMMIT/ROLLBACK), so statements before that point were committed" +
        " without being recorded; check the database before retrying.";
    }
    throw new AppMigrationError(message, { migration: file.name, sqlState: (e as pg.DatabaseError).code });
  } finally {
    // Session-level SETs made by a migration must not leak into the next one.
    await client.query("RESET ALL").catch(() => undefined);
  }
}

async function currentTxid(client: pg.Client): Promise<string | null> {
  const { rows } = await client.query<{ txid: string | null }>("SELECT txid_current_if_assigned()::text AS txid");
  return rows[0].txid;
}

// After a failure: still inside our transaction (aborted or not), or did the file end it?
async function transactionState(client: pg.Client, txid: string): Promise<"ours" | "ended" | "unknown"> {
  try {
    return (await currentTxid(client)) === txid ? "ours" : "ended";
  } catch (e) {
    return (e as pg.DatabaseError).code === "25P02" ? "ours" : "unknown"; // in_failed_sql_transaction
  }
}

function describePgError(e: unknown, sql: string | undefined, timeoutMs: number): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as Partial<pg.DatabaseError> & Error;
  let text = err.message || err.code || "unknown error";
  const position = Number(err.position);
  if (sql !== undefined && Number.isInteger(position) && position > 0) text += ` (line ${lineAt(sql, position)})`;
  if (err.code === "57014" && /statement timeout/.test(text)) text += ` (limit ${timeoutMs} ms per statement)`;
  const firstLine = (s: string) => s.split("\n")[0].trim();
  if (err.detail) text += `. Detail: ${firstLine(err.detail)}`;
  if (err.hint) text += `. Hint: ${firstLine(err.hint)}`;
  if (err.where && !(position > 0)) text += `. Where: ${firstLine(err.where)}`;
  return text;
}

// Postgres reports a 1-based position in characters (code points) of the query text.
export function lineAt(sql: string, position: number): number {
  let line = 1;
  let chars = 0;
  for (const ch of sql) {
    if (++chars >= position) break;
    if (ch === "\n") line++;
  }
  return line;
}

function asAppMigrationError(e: unknown, redact: (s: string) => string): AppMigrationError {
  if (e instanceof AppMigrationError) {
    const message = redact(e.message);
    return message === e.message ? e : new AppMigrationError(message, { migration: e.migration, sqlState: e.sqlState });
  }
  const err = e as Partial<pg.DatabaseError> & Error;
  return new AppMigrationError(redact(`Applying SQL migrations failed: ${err?.message || String(e)}`), {
    sqlState: err?.code,
  });
}

// Removes the URL's password from text, even from a URL too malformed to parse.
function redactor(databaseUrl: string): (text: string) => string {
  const secrets = new Set<string>();
  const add = (raw: string) => {
    if (!raw) return;
    secrets.add(raw);
    try {
      secrets.add(decodeURIComponent(raw));
    } catch {
      // not percent-encoded
    }
  };
  try {
    add(new URL(databaseUrl).password);
  } catch {
    add(/^[^:/?#]+:\/\/[^:@/?#]*:([^@]*)@/.exec(databaseUrl)?.[1] ?? "");
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/(\/\/[^\s:@/]*:)[^\s@/]*@/g, "$1***@");
    for (const secret of ordered) out = out.split(secret).join("***");
    return out;
  };
}
