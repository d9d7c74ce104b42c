"use client";

import { useState } from "react";
import type { CreatedInvitation } from "@/components/team/queries";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";

// Shown once, right after the invitation is created: Slipway stores only a hash of the token.
export function InviteLink({ invitation }: { invitation: CreatedInvitation }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  // Rendered only after the invitation is created in the browser, so window is there.
  const link = `${window.location.origin}/invite/${invitation.token}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(link);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <div role="status" className="space-y-2.5 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
      <p>
        Invitation created for <strong className="font-medium">{invitation.email}</strong>. Send them this link; it is
        shown only once and expires <RelativeTime value={invitation.expiresAt} />.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs break-all text-zinc-900 select-all">
          {link}
        </code>
        <Button variant="secondary" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy link"}
        </Button>
      </div>
      {copied === "failed" && <p>Copying is blocked in this browser; select the link and copy it by hand.</p>}
    </div>
  );
}
