import { chmod, mkdir } from "node:fs/promises";

// DATA_DIR holds the secrets, the store and (usually) the database: private
// (0700, whatever the umask) when Slipway creates it. An existing one keeps its
// mode: as root, the embedded Postgres inside it runs as another user who must
// be able to enter it (see postgresDataDir).
export async function ensureDataDir(dataDir: string): Promise<void> {
  if (await mkdir(dataDir, { recursive: true, mode: 0o700 })) await chmod(dataDir, 0o700);
}
