"use client";

import Link from "next/link";
import { AuthCard } from "@/components/shell/auth-card";
import { Button, buttonClasses } from "@/components/ui/button";

// A page that failed to render: say so in the console's own frame (with its
// language and title) instead of the framework's bare page, and offer a retry.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <AuthCard
      title="This page could not be shown"
      description={
        <>
          Something went wrong while loading it. Try again; if it keeps happening, reload the page.
          {error.digest && <span className="mt-1 block text-xs text-zinc-500">Error id {error.digest}</span>}
        </>
      }
    >
      <div className="flex flex-col gap-2">
        <Button onClick={reset} className="w-full">
          Try again
        </Button>
        <Link href="/projects" className={buttonClasses("secondary", "w-full")}>
          Go to projects
        </Link>
      </div>
    </AuthCard>
  );
}
