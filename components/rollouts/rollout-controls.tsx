"use client";

import { useState } from "react";
import { useRolloutAction } from "@/components/deployments/queries";
import type { Rollout, RolloutAction } from "@/components/deployments/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

type Props = { deploymentId: string; rollout: Rollout };

// Pause / Resume, Abort (roll back) and Promote now, for people whose role allows
// them (the panel shows this only with canControl). One request at a time: every
// button is disabled while any of them runs. Abort and Promote now ask first.
export function RolloutControls({ deploymentId, rollout: r }: Props) {
  const action = useRolloutAction(deploymentId);
  const [confirming, setConfirming] = useState<"abort" | "promote" | null>(null);
  const busy = action.isPending;
  const running = action.variables?.action;

  function run(which: RolloutAction, onDone?: () => void) {
    action.mutate({ rolloutId: r.id, action: which }, { onSuccess: onDone });
  }

  function ask(which: "abort" | "promote") {
    action.reset();
    setConfirming(which);
  }

  // The stages a promote jumps over (the last, 100%, is where it lands).
  const skipped = r.stages.slice(r.stageIndex + 1, -1);
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2" role="group" aria-label="Rollout controls">
        {r.status === "paused" ? (
          <Button variant="secondary" onClick={() => run("resume")} pending={busy && running === "resume"} disabled={busy}>
            Resume rollout
          </Button>
        ) : (
          <Button variant="secondary" onClick={() => run("pause")} pending={busy && running === "pause"} disabled={busy}>
            Pause rollout
          </Button>
        )}
        <Button variant="secondary" onClick={() => ask("promote")} disabled={busy} aria-haspopup="dialog">
          Promote now
        </Button>
        <Button variant="danger-secondary" onClick={() => ask("abort")} disabled={busy} aria-haspopup="dialog">
          Abort rollout
        </Button>
      </div>
      {action.error && !confirming && (
        <div className="max-w-sm" data-testid="rollout-action-error">
          <Alert tone="error">
            Could not {running ?? "change"} the rollout: {action.error.message}
          </Alert>
        </div>
      )}
      {confirming === "abort" && (
        <ConfirmDialog
          title="Abort this rollout?"
          confirmLabel="Roll back"
          cancelLabel="Keep rolling out"
          pending={busy}
          error={action.error}
          onConfirm={() => run("abort", () => setConfirming(null))}
          onClose={() => setConfirming(null)}
        >
          All traffic goes back to the live deployment at once, and this deployment will not go live. Its charts and
          verdicts stay here.
        </ConfirmDialog>
      )}
      {confirming === "promote" && (
        <ConfirmDialog
          title="Promote this deployment now?"
          confirmLabel="Skip to 100%"
          cancelLabel="Keep the stages"
          tone="primary"
          pending={busy}
          error={action.error}
          onConfirm={() => run("promote", () => setConfirming(null))}
          onClose={() => setConfirming(null)}
        >
          {skipped.length > 0
            ? `The ${skipped.length === 1 ? "stage" : "stages"} still to come (${skipped.map((w) => `${w}%`).join(", ")}) ${skipped.length === 1 ? "is" : "are"} skipped and the current one ends without its verdict: `
            : "The current stage ends without its verdict: "}
          this deployment takes all traffic at once and becomes live, and the one live now is superseded. You can promote
          that one back from the history.
        </ConfirmDialog>
      )}
    </div>
  );
}
