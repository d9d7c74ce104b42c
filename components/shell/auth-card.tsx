import type { ReactNode } from "react";
import { Wordmark } from "@/components/shell/wordmark";

// The frame of the signed-out pages: sign in, sign out, accept an invitation.
export function AuthCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-dvh items-start justify-center px-4 py-16 sm:items-center sm:py-8">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex justify-center">
          <Wordmark />
        </div>
        <div className="rounded-lg border border-zinc-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold text-zinc-900">{title}</h1>
          {description && <div className="mt-1 text-sm text-zinc-600">{description}</div>}
          <div className="mt-5">{children}</div>
        </div>
      </div>
    </main>
  );
}
