import type { NextAuthOptions } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { clientAddress } from "@/lib/auth/sign-in-throttle";
import { verifyCredentials } from "@/lib/auth/verify-credentials";
import { db } from "@/lib/db/client";

// Email + password sign-in with JWT sessions (no session table to clean up).
// The JWT carries only the user id; roles are read from Postgres on every call.
// Session cookies are always httpOnly and SameSite=Lax (next-auth's defaults), and
// Secure (named __Secure-…) when the console's URL is https: said here rather than
// left to next-auth's own guess, so a console behind https never sends them over http.
export function authOptionsFor(consoleUrl: string | undefined): NextAuthOptions {
  return {
    useSecureCookies: consoleUrl?.startsWith("https://") ?? false,
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: "/signin" },
    providers: [
      Credentials({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        // A throttled attempt throws; next-auth passes the message to the form as its error.
        authorize: (credentials, req) => verifyCredentials(db(), credentials, clientAddress(req?.headers)),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.uid = user.id;
        return token;
      },
      session({ session, token }) {
        if (session.user && typeof token.uid === "string") session.user.id = token.uid;
        return session;
      },
    },
  };
}

// scripts/start.ts sets NEXTAUTH_URL to the console's URL (PUBLIC_URL when set).
export const authOptions = authOptionsFor(process.env.NEXTAUTH_URL);
