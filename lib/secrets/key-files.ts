import { readFileSync } from "node:fs";
import path from "node:path";

// A generated key lives in DATA_DIR/secrets. During a rotation two more files
// exist: secret-key.next (the new key, created first; it seals from then on),
// then secret-key.previous (the old key, kept while the last values move over).
export const KEY_FILE = "secret-key";
export const NEXT_KEY_FILE = "secret-key.next";
export const PREVIOUS_KEY_FILE = "secret-key.previous";

export const keyFilePath = (dataDir: string, name: string) => path.join(dataDir, "secrets", name);

export type KeyFiles = { current?: string; next?: string; previous?: string };

// Read synchronously (seal and unseal are synchronous), next first: a rename of
// next over secret-key between two reads still shows the new key as current.
export function readKeyFiles(dataDir: string): KeyFiles {
  return {
    next: readOptional(keyFilePath(dataDir, NEXT_KEY_FILE)),
    current: readOptional(keyFilePath(dataDir, KEY_FILE)),
    previous: readOptional(keyFilePath(dataDir, PREVIOUS_KEY_FILE)),
  };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
