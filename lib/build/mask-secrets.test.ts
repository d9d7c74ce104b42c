import { describe, expect, it } from "vitest";
import { MASK, makeMasker } from "@/lib/build/mask-secrets";

describe("makeMasker", () => {
  const secret = "s3cr3t/p@ss+word";
  const mask = makeMasker([secret, "abc"]);

  it("masks the value and its base64 and URL-encoded forms", () => {
    expect(mask(`token=${secret}`)).toBe(`token=${MASK}`);
    expect(mask(`Authorization: Basic ${Buffer.from(secret).toString("base64")}`)).toBe(`Authorization: Basic ${MASK}`);
    expect(mask(`url?p=${encodeURIComponent(secret)}&x=1`)).toBe(`url?p=${MASK}&x=1`);
    expect(mask(`${secret}${secret}`)).toBe(`${MASK}${MASK}`);
  });

  it("leaves other text alone and ignores values too short to mask safely", () => {
    expect(mask("abc def")).toBe("abc def");
    expect(makeMasker([])("plain")).toBe("plain");
  });

  it("masks each line of a multi-line secret", () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----";
    expect(makeMasker([pem])("MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu")).toBe(MASK);
  });
});
