import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { persistentSecret, renameSecretFile } from "@/lib/platform/secrets";

// The embedded cluster's superuser password: generated when the cluster is
// made and kept in DATA_DIR/secrets/postgres-password (0600). Clusters made by
// an older Slipway still have its fixed password; their next start replaces it.
export const EMBEDDED_USER = "slipway";
const LEGACY_PASSWORD = "slipway";
const FILE = "postgres-password";
const NEXT_FILE = `${FILE}.next`;

const secretPath = (dataDir: string, name: string) => path.join(dataDir, "secrets", name);

// For a cluster about to be made: the saved password, or a new one saved first.
export const initialPassword = (dataDir: string) => persistentSecret(dataDir, FILE);

export function savedPassword(dataDir: string): string {
  const file = secretPath(dataDir, FILE);
  if (!existsSync(file)) throw new Error(`No embedded PostgreSQL password in ${file}: start Slipway (npm start) first.`);
  return readFileSync(file, "utf8").trim();
}

// For a running cluster: its password, after replacing the old fixed one if
// it still has it. The new password is saved under another name before the
// change and renamed after it, so a crash in between leaves it either still to
// be set or already set, never lost.
export async function runningPassword(dataDir: string, port: number): Promise<string> {
  if (existsSync(secretPath(dataDir, FILE))) return savedPassword(dataDir);
  const next = await persistentSecret(dataDir, NEXT_FILE);
  const already = await connect(port, next);
  if (already) {
    await already.end();
  } else {
    const legacy = await connect(port, LEGACY_PASSWORD);
    if (!legacy) {
      throw new Error(
        `it accepts neither the password in ${secretPath(dataDir, NEXT_FILE)} nor Slipway's old default; ` +
          `write its password to ${secretPath(dataDir, FILE)} (mode 0600).`,
      );
    }
    try {
      await legacy.query(`ALTER ROLE ${legacy.escapeIdentifier(EMBEDDED_USER)} PASSWORD ${legacy.escapeLiteral(next)}`);
    } finally {
      await legacy.end();
    }
  }
  await renameSecretFile(secretPath(dataDir, NEXT_FILE), secretPath(dataDir, FILE));
  return next;
}

// A connected client, or null when the server refuses the password.
async function connect(port: number, password: string): Promise<pg.Client | null> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: EMBEDDED_USER, password, database: "postgres" });
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    if ((e as { code?: string }).code === "28P01") return null;
    throw e;
  }
}
