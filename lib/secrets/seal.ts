import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretKey } from "@/lib/secrets/keyring";

// AES-256-GCM with a fresh 96-bit nonce per value. Sealed form:
// "v1.<keyId>.<nonce>.<ciphertext>.<tag>" (base64url parts).
// Messages read as the end of a sentence ("Variable X could not be decrypted: …")
// and name key ids only, never keys or values.
export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsealError";
  }
}

export function seal(key: SecretKey, plaintext: string): string {
  key.refresh?.("seal");
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", key.id, nonce.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 5 && parts[0] === "v1" ? parts[1] : null;
}

// Opens a value sealed under the current key or any previous one.
export function unseal(key: SecretKey, sealed: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== "v1") throw new UnsealError("the stored value is not in a known format");
  const id = parts[1];
  const opener = findKey(key, id) ?? (key.refresh?.("unknown-key") ? findKey(key, id) : undefined);
  if (!opener) throw new UnsealError(`it was sealed with key ${id}, which this server does not have`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", opener.key, Buffer.from(parts[2], "base64url"));
    decipher.setAuthTag(Buffer.from(parts[4], "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(parts[3], "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new UnsealError("the stored value is damaged (it failed its integrity check)");
  }
}

function findKey(key: SecretKey, id: string): { key: Buffer } | undefined {
  return key.id === id ? key : key.previous?.find((k) => k.id === id);
}
