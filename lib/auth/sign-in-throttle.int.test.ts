import { describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { clientAddress, SignInThrottled, THROTTLE } from "@/lib/auth/sign-in-throttle";
import { verifyCredentials } from "@/lib/auth/verify-credentials";
import { testDb } from "@/lib/testing/db";
import { unique } from "@/lib/testing/seed";

const db = testDb();
const PASSWORD = "correct horse battery";

async function user() {
  const email = `${unique("throttle")}@example.com`;
  await db.user.create({ data: { email, name: "T", passwordHash: await hashPassword(PASSWORD) } });
  return email;
}
const ip = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const attempt = (email: string, password: string, from: string, now: Date) => verifyCredentials(db, { email, password }, from, now);

describe("sign-in throttle", () => {
  it("refuses an account after 5 failures in 15 minutes, even with the right password, until the window passes", async () => {
    const email = await user();
    const t0 = new Date();
    for (let i = 0; i < THROTTLE.account.max; i++) expect(await attempt(email, "wrong", ip(), new Date(t0.getTime() + i * 1000))).toBeNull();
    const blocked = attempt(email.toUpperCase(), PASSWORD, ip(), new Date(t0.getTime() + 10_000));
    await expect(blocked).rejects.toBeInstanceOf(SignInThrottled);
    await expect(blocked).rejects.toThrow(/^Too many failed sign-ins\. Try again in 15 minutes\.$/);
    // The first failure leaves the window 15 minutes after it was made: one more try is allowed then.
    const later = new Date(t0.getTime() + THROTTLE.account.windowSec * 1000 + 500);
    expect(await attempt(email, PASSWORD, ip(), later)).toMatchObject({ email });
  });

  it("clears an account's failures when it signs in", async () => {
    const email = await user();
    const now = new Date();
    for (let i = 0; i < THROTTLE.account.max - 1; i++) await attempt(email, "wrong", ip(), now);
    expect(await attempt(email, PASSWORD, ip(), now)).toMatchObject({ email });
    for (let i = 0; i < THROTTLE.account.max - 1; i++) expect(await attempt(email, "wrong", ip(), now)).toBeNull();
    expect(await attempt(email, PASSWORD, ip(), now)).toMatchObject({ email });
  });

  it("refuses an address after 30 failures across accounts, and counts unknown emails like known ones", async () => {
    const from = ip();
    const now = new Date();
    for (let i = 0; i < THROTTLE.ip.max; i++) expect(await attempt(`${unique("nobody")}@example.com`, "x", from, now)).toBeNull();
    const email = await user();
    await expect(attempt(email, PASSWORD, from, now)).rejects.toBeInstanceOf(SignInThrottled);
    expect(await attempt(email, PASSWORD, ip(), now)).toMatchObject({ email });

    const ghost = `${unique("ghost")}@example.com`;
    for (let i = 0; i < THROTTLE.account.max; i++) await attempt(ghost, "x", ip(), now);
    await expect(attempt(ghost, "x", ip(), now)).rejects.toBeInstanceOf(SignInThrottled);
  });

  it("takes the client address from the last X-Forwarded-For hop", () => {
    expect(clientAddress({ "x-forwarded-for": "1.2.3.4, 10.0.0.7" })).toBe("10.0.0.7");
    expect(clientAddress({ "x-forwarded-for": "::1" })).toBe("::1");
    expect(clientAddress({ "x-forwarded-for": "<script>" })).toBe("unknown");
    expect(clientAddress({})).toBe("unknown");
  });
});
