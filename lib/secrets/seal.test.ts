import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSecretKey, type SecretKey } from "@/lib/secrets/keyring";
import { seal, sealedKeyId, unseal, UnsealError } from "@/lib/secrets/seal";

const newKey = () => parseSecretKey(randomBytes(32).toString("hex"));
const key = newKey();

describe("seal", () => {
  it("round-trips, with a fresh nonce each time and the key id outside the ciphertext", () => {
    const a = seal(key, "postgres://u:p@db/app");
    const b = seal(key, "postgres://u:p@db/app");
    expect(a).not.toEqual(b);
    expect(a).not.toContain("postgres");
    expect(sealedKeyId(a)).toBe(key.id);
    expect(unseal(key, a)).toBe("postgres://u:p@db/app");
  });

  it("refuses a tampered value and a value sealed under another key, naming only the key id", () => {
    const sealed = seal(key, "secret");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3], "base64url");
    body[0] ^= 1;
    parts[3] = body.toString("base64url");
    expect(() => unseal(key, parts.join("."))).toThrow(new UnsealError("the stored value is damaged (it failed its integrity check)"));
    const other = parseSecretKey(randomBytes(32).toString("base64"));
    expect(() => unseal(other, sealed)).toThrow(new UnsealError(`it was sealed with key ${key.id}, which this server does not have`));
    expect(() => unseal(key, "plain text")).toThrow(/not in a known format/);
  });

  it("opens values sealed under a previous key, and always seals with the current one", () => {
    const old = newKey();
    const older = newKey();
    const ring: SecretKey = { ...newKey(), previous: [old, older] };
    expect(unseal(ring, seal(old, "from A"))).toBe("from A");
    expect(unseal(ring, seal(older, "from Z"))).toBe("from Z");
    const fresh = seal(ring, "new");
    expect(sealedKeyId(fresh)).toBe(ring.id);
    expect(() => unseal(old, fresh)).toThrow(UnsealError);
    // A previous key alone cannot open what the ring sealed; the ring still opens it.
    expect(unseal(ring, fresh)).toBe("new");
  });

  it("rejects keys of the wrong size without echoing them", () => {
    expect(() => parseSecretKey("abcd")).toThrow(/32 bytes/);
    expect(() => parseSecretKey("abcd", "SLIPWAY_PREVIOUS_SECRET_KEYS (entry 2 of 2)")).toThrow(/^SLIPWAY_PREVIOUS_SECRET_KEYS \(entry 2 of 2\) must be 32 bytes/);
    expect(() => parseSecretKey("abcd")).not.toThrow(/abcd/);
  });
});
