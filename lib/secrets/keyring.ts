import { createHash } from "node:crypto";
import { loadConfig } from "@/lib/config/env";
import { persistentSecret } from "@/lib/platform/secrets";
import { KEY_FILE, keyFilePath, NEXT_KEY_FILE, PREVIOUS_KEY_FILE, readKeyFiles } from "@/lib/secrets/key-files";

// The key that seals secret values at rest (`id`, `key`), and older keys that
// can still open values sealed under them but never seal (`previous`). Its id
// (a hash prefix, never the key) is stored beside every ciphertext.
export type SecretKey = {
  id: string;
  key: Buffer;
  previous?: SecretKey[];
  // Generated keys only: re-reads DATA_DIR/secrets (throttled), so a rotation
  // run by another process is picked up without a restart. True when the keys changed.
  refresh?: (why: RefreshReason) => boolean;
};

// "seal": before sealing, at most every SEAL_RECHECK_MS (a rotation elsewhere
// switches the sealing key within that). "unknown-key": a value names a key id
// this process does not hold; at most every UNKNOWN_KEY_RECHECK_MS.
export type RefreshReason = "seal" | "unknown-key";
export const SEAL_RECHECK_MS = 2000;
export const UNKNOWN_KEY_RECHECK_MS = 1000;

// A key that is not 32 bytes; the message names where it came from, never the key.
export class SecretKeyError extends Error {}

// 32 bytes as 64 hex digits or base64. `source` names where it came from in the
// error (never the key itself).
export function parseSecretKey(text: string, source = "SLIPWAY_SECRET_KEY"): SecretKey {
  const raw = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) throw new SecretKeyError(`${source} must be 32 bytes, as 64 hex digits or base64.`);
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 12), key };
}

// SLIPWAY_PREVIOUS_SECRET_KEYS: comma-separated keys kept during a rotation.
export function parsePreviousKeys(list: string | undefined): SecretKey[] {
  const entries = (list ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return entries.map((text, i) => parseSecretKey(text, `SLIPWAY_PREVIOUS_SECRET_KEYS (entry ${i + 1} of ${entries.length})`));
}

export const keyMode = (env: NodeJS.ProcessEnv): "env" | "generated" => (env.SLIPWAY_SECRET_KEY?.trim() ? "env" : "generated");

const cached = new Map<string, Promise<SecretKey>>();

// The process's keyring, loaded once: SLIPWAY_SECRET_KEY (+ SLIPWAY_PREVIOUS_SECRET_KEYS),
// or the key generated on first start into DATA_DIR/secrets (0600).
export function currentSecretKey(env: NodeJS.ProcessEnv = process.env): Promise<SecretKey> {
  const { dataDir } = loadConfig(env);
  const cacheKey = [dataDir, env.SLIPWAY_SECRET_KEY ?? "", env.SLIPWAY_PREVIOUS_SECRET_KEYS ?? ""].join("\0");
  let key = cached.get(cacheKey);
  if (!key) {
    key = loadSecretKey(env);
    cached.set(cacheKey, key);
    key.catch(() => cached.delete(cacheKey));
  }
  return key;
}

// The keys as they are now, not cached (the rotation reads them fresh).
export async function loadSecretKey(env: NodeJS.ProcessEnv = process.env): Promise<SecretKey> {
  const extra = parsePreviousKeys(env.SLIPWAY_PREVIOUS_SECRET_KEYS);
  if (keyMode(env) === "env") {
    const current = parseSecretKey(env.SLIPWAY_SECRET_KEY!);
    return { ...current, previous: distinct(extra, [current.id]) };
  }
  const { dataDir } = loadConfig(env);
  await persistentSecret(dataDir, KEY_FILE);
  return generatedKeyring(dataDir, extra);
}

function generatedKeyring(dataDir: string, extra: SecretKey[]): SecretKey {
  const first = readGenerated(dataDir);
  const ring: SecretKey = { id: first.current.id, key: first.current.key, previous: distinct([...first.previous, ...extra], [first.current.id]) };
  const lastLook = { seal: 0, "unknown-key": 0 };
  const wait = { seal: SEAL_RECHECK_MS, "unknown-key": UNKNOWN_KEY_RECHECK_MS };
  ring.refresh = (why) => {
    if (Date.now() - lastLook[why] < wait[why]) return false;
    lastLook[why] = Date.now();
    let now: ReturnType<typeof readGenerated>;
    try {
      now = readGenerated(dataDir);
    } catch {
      return false; // unreadable or missing files: keep the keys already loaded
    }
    // Keys this process already holds stay usable: a ciphertext it read before
    // the rotation (a router's cached route) must still open after it.
    const held: SecretKey[] = [{ id: ring.id, key: ring.key }, ...(ring.previous ?? [])];
    const previous = distinct([...now.previous, ...extra, ...held], [now.current.id]);
    const changed = now.current.id !== ring.id || previous.length !== ring.previous?.length;
    ring.id = now.current.id;
    ring.key = now.current.key;
    ring.previous = previous;
    return changed;
  };
  return ring;
}

// While secret-key.next exists it is the current key; the others only open.
function readGenerated(dataDir: string): { current: SecretKey; previous: SecretKey[] } {
  const files = readKeyFiles(dataDir);
  const parse = (text: string | undefined, name: string) => (text ? [parseSecretKey(text, keyFilePath(dataDir, name))] : []);
  const [current, ...previous] = [
    ...parse(files.next, NEXT_KEY_FILE),
    ...parse(files.current, KEY_FILE),
    ...parse(files.previous, PREVIOUS_KEY_FILE),
  ];
  if (!current) throw new SecretKeyError(`No secret key in ${keyFilePath(dataDir, KEY_FILE)}.`);
  return { current, previous };
}

function distinct(keys: SecretKey[], exclude: string[]): SecretKey[] {
  const seen = new Set(exclude);
  return keys.filter((k) => !seen.has(k.id) && (seen.add(k.id), true)).map((k) => ({ id: k.id, key: k.key }));
}
