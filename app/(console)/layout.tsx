import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { can } from "@/lib/auth/roles";
import { sessionCtx } from "@/lib/auth/session-ctx";
import { getMe } from "@/lib/teams/get-me";
import { AppShell } from "@/components/shell/app-shell";
import { ProcessBanner } from "@/components/shell/process-banner";

// Every console page needs a signed-in user; the API routes check again on each call.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const ctx = await sessionCtx();
  if (!ctx) {
    const path = (await headers()).get("x-slipway-path") ?? "/projects";
    redirect(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  }
  const { user, teams } = await getMe({ ctx });
  const showAdmin = teams.some((t) => can(t.role, "audit.read"));
  return (
    <>
      <ProcessBanner />
      <AppShell email={user.email} showAdmin={showAdmin}>
        {children}
      </AppShell>
    </>
  );
}
