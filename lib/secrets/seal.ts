import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretKey } from "@/lib/secrets/keyring";

// AES-256-GCM with a fresh 96-bit nonce per value. Sealed form:
// "v1.<keyId>.<nonce>.<ciphertext>.<tag>" (base64url parts).
export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsealError";
  }
}

export function seal(key: SecretKey, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", key.id, nonce.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 5 && parts[0] === "v1" ? parts[1] : null;
}

export function unseal(key: SecretKey, sealed: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== "v1") throw new UnsealError("The stored value is not in a known format.");
  if (parts[1] !== key.id) throw new UnsealError(`The value was sealed with key ${parts[1]}, which is not loaded.`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(parts[2], "base64url"));
    decipher.setAuthTag(Buffer.from(parts[4], "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(parts[3], "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new UnsealError("The stored value failed its integrity check.");
  }
}
