import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSecretKey } from "@/lib/secrets/keyring";
import { seal, sealedKeyId, unseal, UnsealError } from "@/lib/secrets/seal";

const key = parseSecretKey(randomBytes(32).toString("hex"));

describe("seal", () => {
  it("round-trips, with a fresh nonce each time and the key id outside the ciphertext", () => {
    const a = seal(key, "postgres://u:p@db/app");
    const b = seal(key, "postgres://u:p@db/app");
    expect(a).not.toEqual(b);
    expect(a).not.toContain("postgres");
    expect(sealedKeyId(a)).toBe(key.id);
    expect(unseal(key, a)).toBe("postgres://u:p@db/app");
  });

  it("refuses a tampered value and a value sealed under another key", () => {
    const sealed = seal(key, "secret");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3], "base64url");
    body[0] ^= 1;
    parts[3] = body.toString("base64url");
    expect(() => unseal(key, parts.join("."))).toThrow(UnsealError);
    const other = parseSecretKey(randomBytes(32).toString("base64"));
    expect(() => unseal(other, sealed)).toThrow(/not loaded/);
  });

  it("rejects keys of the wrong size", () => {
    expect(() => parseSecretKey("abcd")).toThrow(/32 bytes/);
  });
});
