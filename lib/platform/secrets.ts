import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

// A secret from the environment, or one generated once into the data directory
// (mode 0600) so sessions survive restarts without any setup.
export async function persistentSecret(dataDir: string, name: string, fromEnv?: string): Promise<string> {
  if (fromEnv) return fromEnv;
  const dir = path.join(dataDir, "secrets");
  const file = path.join(dir, name);
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  const tmp = await writeTemp(file, secret + "\n");
  try {
    // link() creates the name only if it is free, with the whole content already
    // in place: two processes starting at once agree on one secret, and a reader
    // never sees a half-written file.
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return (await readFile(file, "utf8")).trim();
  } finally {
    await rm(tmp, { force: true });
  }
  await syncDir(dir);
  return secret;
}

// Replaces (or creates) a file in the secrets directory atomically, mode 0600.
export async function replaceSecretFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = await writeTemp(file, content);
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

// Renames within the secrets directory and makes the change durable.
export async function renameSecretFile(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(path.dirname(to));
}

async function writeTemp(file: string, content: string): Promise<string> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

async function syncDir(dir: string) {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
