import pg from "pg";

// Connects once, with a short timeout, to turn "the database is unreachable"
// into one readable line instead of a stack trace deep inside a child process.
export async function checkConnection(databaseUrl: string, timeoutMs = 5000): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const where = describeUrl(databaseUrl);
    return `Cannot reach the database at ${where}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " ").trim();
  } finally {
    await client.end().catch(() => undefined);
  }
}

// host:port/database, never the password.
export function describeUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}
