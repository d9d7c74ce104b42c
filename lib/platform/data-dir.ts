import { chmod, mkdir } from "node:fs/promises";

// DATA_DIR holds the secrets, the store, workspaces and (usually) the
// database, each private on its own (secrets and store 0700, a workspace 0700
// and its project's sandbox user's). DATA_DIR itself is 0711 when Slipway
// creates it, whatever the umask: nobody else can list it, but the users that
// must reach a path below it can pass through: as root, the embedded Postgres
// runs as the "postgres" user (see postgresDataDir), and bubblewrap binds a
// workspace as the project's sandbox user. An existing one keeps its mode.
export async function ensureDataDir(dataDir: string): Promise<void> {
  if (await mkdir(dataDir, { recursive: true, mode: 0o711 })) await chmod(dataDir, 0o711);
}
