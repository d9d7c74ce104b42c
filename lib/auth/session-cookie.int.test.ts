import NextAuth from "next-auth";
import { afterAll, describe, expect, inject, it } from "vitest";
import { authOptionsFor } from "@/lib/auth/next-auth-options";
import { hashPassword } from "@/lib/auth/password";
import { db as appDb } from "@/lib/db/client";
import { testDb } from "@/lib/testing/db";
import { unique } from "@/lib/testing/seed";

// next-auth's own request handling (its pages-API entry, which serializes cookies the
// same way as the app route's) signs a real user in against the real database; the
// Set-Cookie headers it writes are read back as a browser would receive them.
const db = testDb();
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => appDb().$disconnect());

const PASSWORD = "cookie-test-password-1";
const savedUrl = process.env.NEXTAUTH_URL;
afterAll(() => {
  process.env.NEXTAUTH_URL = savedUrl;
});

type Answer = { status: number; setCookie: string[]; body: unknown };

async function call(consoleUrl: string, action: string[], method: string, body?: Record<string, string>, cookies: Record<string, string> = {}): Promise<Answer> {
  const headers = new Map<string, string | string[]>();
  const answer: Answer = { status: 200, setCookie: [], body: undefined };
  const res = {
    status: (code: number) => ((answer.status = code), res),
    setHeader: (key: string, value: string | string[]) => (headers.set(key.toLowerCase(), value), res),
    getHeader: (key: string) => headers.get(key.toLowerCase()),
    json: (b: unknown) => void (answer.body = b),
    send: (b: unknown) => void (answer.body = b),
    end: () => undefined,
  };
  const host = new URL(consoleUrl).host;
  const req = { method, query: { nextauth: action }, body, cookies, headers: { host, "x-forwarded-for": "203.0.113.9" } };
  await NextAuth(req as never, res as never, { ...authOptionsFor(consoleUrl), secret: "session-cookie-test-secret" });
  answer.setCookie = [headers.get("set-cookie") ?? []].flat();
  return answer;
}

// Signs in through the credentials provider as the form does (CSRF token first); the session's Set-Cookie.
// NEXTAUTH_URL is left unset: authOptionsFor's consoleUrl alone must decide, not next-auth's own guess.
async function signIn(consoleUrl: string): Promise<string> {
  delete process.env.NEXTAUTH_URL;
  const email = `${unique("cookie")}@example.com`;
  await db.user.create({ data: { email, name: "C", passwordHash: await hashPassword(PASSWORD) } });
  const csrf = await call(consoleUrl, ["csrf"], "GET");
  const csrfCookie = csrf.setCookie.map((c) => c.split(";")[0].split("=")).find(([name]) => name.endsWith("next-auth.csrf-token"));
  expect(csrfCookie).toBeDefined();
  const { csrfToken } = csrf.body as { csrfToken: string };
  const signedIn = await call(consoleUrl, ["callback", "credentials"], "POST", { csrfToken, email, password: PASSWORD, json: "true" }, {
    [csrfCookie![0]]: decodeURIComponent(csrfCookie![1]),
  });
  const session = signedIn.setCookie.find((c) => /^(__Secure-)?next-auth\.session-token=/.test(c));
  expect(session, `no session cookie in ${JSON.stringify(signedIn)}`).toBeDefined();
  return session!;
}

const attributes = (setCookie: string) => setCookie.split(";").slice(1).map((a) => a.trim().toLowerCase());

describe("session cookie", () => {
  it("is Secure, __Secure-prefixed, httpOnly and SameSite=Lax when the console is served over https", async () => {
    const cookie = await signIn("https://console.example.com");
    expect(cookie).toMatch(/^__Secure-next-auth\.session-token=[^;]{20,}/);
    expect(attributes(cookie)).toEqual(expect.arrayContaining(["secure", "httponly", "samesite=lax", "path=/"]));
  });

  it("is httpOnly and SameSite=Lax but not Secure over plain http (a browser would drop it)", async () => {
    const cookie = await signIn("http://localhost:3000");
    expect(cookie).toMatch(/^next-auth\.session-token=[^;]{20,}/);
    expect(attributes(cookie)).toEqual(expect.arrayContaining(["httponly", "samesite=lax"]));
    expect(attributes(cookie)).not.toContain("secure");
  });
});
