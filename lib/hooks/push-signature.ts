import { createHmac, timingSafeEqual } from "node:crypto";

const HEADER = /^sha256=([0-9a-f]{64})$/i;

// X-Hub-Signature-256 as GitHub (and Gitea, Forgejo, Gogs) send it:
// "sha256=" and the hex HMAC-SHA256 of the raw body under the shared secret.
// null when the header is missing or not in that form.
export function parseSignature(header: string | null): Buffer | null {
  const match = header?.trim().match(HEADER);
  return match ? Buffer.from(match[1], "hex") : null;
}

export const signBody = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest();

// Constant-time: both sides are 32 bytes by construction.
export function signatureMatches(secret: string, body: Buffer, signature: Buffer): boolean {
  const expected = signBody(secret, body);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}
