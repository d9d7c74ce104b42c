import { checkConnection } from "@/lib/db/check-connection";

// While the database is away, every loop of a process (the rollout tick each
// second, the reaper, the job queue's poll) fails the same way. OutageLog
// turns that into two lines per outage: one when it starts (with the first
// error's first line) and one when the database answers again (how long, how
// many errors were held back). Errors that are not about reaching the
// database are logged as they come, one line each.

// Node's socket errors, PostgreSQL's connection-class SQLSTATEs (08xxx) and its
// shutdown ones (57P01–57P03), Prisma's "can't reach", "closed" and pool timeout.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]);
const PG_CODES = /^(08\d{3}|57P0[123])$/;
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024"]);
const MESSAGES = [
  /can't reach database server/i,
  /cannot reach the database/i,
  /connection terminated/i,
  /connect ECONNREFUSED/i,
  /server closed the connection unexpectedly/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Connection (refused|reset|closed)/i,
  /timeout exceeded when trying to connect/i,
];

/** Whether `e` says the database could not be reached (as opposed to a query that failed). */
export function isDatabaseUnreachable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const err = cur as { code?: unknown; errorCode?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    for (const code of [err.code, err.errorCode]) {
      if (typeof code === "string" && (NETWORK_CODES.has(code) || PG_CODES.test(code) || PRISMA_CODES.has(code))) return true;
    }
    if (typeof err.message === "string" && MESSAGES.some((re) => re.test(err.message as string))) return true;
    if (Array.isArray(err.errors) && err.errors.some((inner) => isDatabaseUnreachable(inner))) return true;
    cur = err.cause;
  }
  return typeof e === "string" && MESSAGES.some((re) => re.test(e));
}

/** The first non-empty line of an error's message (Prisma's run to many lines). */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === "string" ? e : String((e as { message?: unknown })?.message ?? e);
  return (text.split("\n").find((l) => l.trim()) ?? "unknown error").trim().slice(0, 300);
}

export class OutageLog {
  private since: number | null = null;
  private held = 0;

  constructor(
    private readonly out: { error: (line: string) => void; info: (line: string) => void } = { error: console.error, info: console.log },
    private readonly now: () => number = Date.now,
  ) {}

  get inOutage(): boolean {
    return this.since !== null;
  }

  /** Logs `context: error` unless it is the database being away, which is logged once per outage. */
  error(context: string, e: unknown): void {
    if (!isDatabaseUnreachable(e)) {
      this.out.error(`${context}: ${errorLine(e)}`);
      return;
    }
    if (this.since === null) {
      this.since = this.now();
      this.held = 0;
      this.out.error(`database unreachable (${errorLine(e)}); retrying quietly, and saying so when it is back`);
    } else {
      this.held++;
    }
  }

  /** Something reached the database: ends an outage, if one was going on. */
  ok(): void {
    if (this.since === null) return;
    const seconds = Math.round((this.now() - this.since) / 100) / 10;
    this.out.info(`database reachable again after ${seconds} s (${this.held} more error${this.held === 1 ? "" : "s"} while it was away, not shown)`);
    this.since = null;
  }
}

/**
 * Waits until the database answers, saying so once (a process started, or
 * restarted, while it is away waits rather than exits: the supervisor would
 * take exit after exit for a crash loop).
 */
export async function waitForDatabase(databaseUrl: string, outage: OutageLog): Promise<void> {
  for (;;) {
    const problem = await checkConnection(databaseUrl, 2000);
    if (!problem) break;
    outage.error("waiting for the database", new Error(problem));
    await new Promise((r) => setTimeout(r, 1000));
  }
  outage.ok();
}
