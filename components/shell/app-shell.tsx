import Link from "next/link";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/shell/nav-links";
import { Wordmark } from "@/components/shell/wordmark";

type Props = { email: string; showAdmin: boolean; children: ReactNode };

export function AppShell({ email, showAdmin, children }: Props) {
  return (
    <div className="flex min-h-dvh flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 bg-white">
        <div className="mx-auto flex h-14 max-w-5xl items-center gap-3 px-4 sm:gap-6 sm:px-6">
          <Link href="/projects" className="shrink-0 rounded-md">
            <Wordmark compact />
          </Link>
          <NavLinks showAdmin={showAdmin} />
          <div className="ml-auto flex min-w-0 items-center gap-3 text-sm">
            <span className="hidden truncate text-zinc-500 sm:inline" title={email}>
              {email}
            </span>
            <Link href="/signout" className="shrink-0 rounded-md px-2 py-1.5 font-medium text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900">
              Sign out
            </Link>
          </div>
        </div>
      </header>
      {/* tabIndex: "Skip to content" moves focus here, so the next Tab continues inside. */}
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 outline-none sm:px-6">
        {children}
      </main>
    </div>
  );
}
