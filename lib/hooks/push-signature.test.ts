import { describe, expect, it } from "vitest";
import { parseSignature, signatureMatches } from "@/lib/hooks/push-signature";

// The example from GitHub's "Validating webhook deliveries" documentation.
const secret = "It's a Secret to Everybody";
const body = Buffer.from("Hello, World!");
const documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("push signatures", () => {
  it("accepts GitHub's documented example and refuses any change to the body, secret or signature", () => {
    const signature = parseSignature(documented)!;
    expect(signatureMatches(secret, body, signature)).toBe(true);
    expect(signatureMatches(secret, Buffer.from("Hello, World?"), signature)).toBe(false);
    expect(signatureMatches(`${secret}!`, body, signature)).toBe(false);
    const flipped = Buffer.from(signature);
    flipped[31] ^= 1;
    expect(signatureMatches(secret, body, flipped)).toBe(false);
  });

  it("reads only sha256=<64 hex digits>", () => {
    expect(parseSignature(documented.toUpperCase().replace("SHA256", "sha256"))).not.toBeNull();
    for (const bad of [null, "", "sha256=", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d", documented.slice(0, -2), `${documented}00`, documented.replace("e17", "e1g")]) {
      expect(parseSignature(bad)).toBeNull();
    }
  });
});
