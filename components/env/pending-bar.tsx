"use client";

import { pendingLabel, type savedSummary } from "@/lib/ui/env-editor";
import { Button } from "@/components/ui/button";

type Props = {
  pending: number;
  saving: boolean;
  error: Error | null;
  // Set when the changes touch Production and the viewer's role cannot save those.
  productionWarning: string | null;
  // What the last save did (shown until the next change).
  saved: ReturnType<typeof savedSummary> | null;
  onSave: () => void;
  onDiscard: () => void;
};

// Sticks to the bottom of the window while changes wait, so Save is always in
// reach. It sits in the page's flow: it never covers the last rows. The status
// line is always there, so a change of its text is announced.
export function PendingBar({ pending, saving, error, productionWarning, saved, onSave, onDiscard }: Props) {
  const savedText = saved && [saved.saved, saved.restarted, saved.later].filter(Boolean).join(" ");
  return (
    <div className="sticky bottom-0 z-10 -mx-4 mt-6 px-4 pb-4 sm:-mx-6 sm:px-6">
      <p role="status" className="sr-only">
        {pending > 0 ? pendingLabel(pending) : (savedText ?? "")}
      </p>
      {pending === 0 && saved && (
        <div className="space-y-1 text-sm" data-testid="env-saved" aria-hidden="true">
          <p className="flex items-center gap-1.5 font-medium text-emerald-800">
            <svg viewBox="0 0 16 16" className="size-4 fill-none stroke-emerald-600 stroke-2">
              <path d="M3.5 8.5l3 3 6-7" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            {saved.saved}
          </p>
          {saved.restarted && (
            <p className="text-teal-800" data-testid="env-saved-restarted">
              {saved.restarted}
            </p>
          )}
          {saved.later && (
            <p className="text-zinc-600" data-testid="env-saved-later">
              {saved.later}
            </p>
          )}
        </div>
      )}
      {pending > 0 && (
        <div className="space-y-3 rounded-lg border border-zinc-300 bg-white px-4 py-3 shadow-lg" data-testid="env-pending-bar">
          {error && (
            <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3.5 py-2.5 text-sm text-red-800">
              <p className="font-medium">Nothing was saved. Your changes are still here.</p>
              <p className="mt-0.5">{error.message}</p>
            </div>
          )}
          <div className="flex flex-wrap items-center gap-3">
            <p className="flex items-center gap-2 text-sm font-medium text-zinc-900" aria-hidden="true">
              <span className="size-2 rounded-full bg-amber-500" />
              {pendingLabel(pending)}
            </p>
            {productionWarning && <p className="text-xs text-amber-800">{productionWarning}</p>}
            <div className="ml-auto flex gap-2">
              <Button variant="secondary" onClick={onDiscard} disabled={saving}>
                Discard
              </Button>
              <Button onClick={onSave} pending={saving}>
                Save
              </Button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
