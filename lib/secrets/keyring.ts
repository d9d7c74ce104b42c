import { createHash } from "node:crypto";
import { loadConfig } from "@/lib/config/env";
import { persistentSecret } from "@/lib/platform/secrets";

export type SecretKey = { id: string; key: Buffer };

// The key that seals secret values at rest: SLIPWAY_SECRET_KEY (32 bytes as 64 hex
// digits or base64), or one generated on first start into DATA_DIR/secrets (0600).
// Its id (a hash prefix, never the key) is stored beside every ciphertext.
export function parseSecretKey(text: string): SecretKey {
  const raw = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) throw new Error("SLIPWAY_SECRET_KEY must be 32 bytes, as 64 hex digits or base64.");
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 12), key };
}

const cached = new Map<string, Promise<SecretKey>>();

export function currentSecretKey(env: NodeJS.ProcessEnv = process.env): Promise<SecretKey> {
  const { dataDir } = loadConfig(env);
  const cacheKey = `${dataDir}\0${env.SLIPWAY_SECRET_KEY ?? ""}`;
  let key = cached.get(cacheKey);
  if (!key) {
    key = persistentSecret(dataDir, "secret-key", env.SLIPWAY_SECRET_KEY).then(parseSecretKey);
    cached.set(cacheKey, key);
  }
  return key;
}
