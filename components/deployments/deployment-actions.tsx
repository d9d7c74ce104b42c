"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { deploymentHref, type DeployTarget } from "@/components/deployments/deploy-dialog";
import { PromoteDialog } from "@/components/deployments/promote-dialog";
import { useCancelDeployment, useRedeployDeployment } from "@/components/deployments/queries";
import { offersPromote } from "@/components/deployments/status";
import type { DeploymentSummary } from "@/components/deployments/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

type Props = {
  deployment: DeploymentSummary;
  // Null while the project (its source kind) is still loading.
  project: DeployTarget | null;
  canCancel: boolean;
  canDeploy: boolean;
  // The actor's role allows promoting; whether this deployment can be promoted is decided here.
  canPromote: boolean;
};

// Redeploy builds this deployment's own source again (its commit, or its stored
// archive) for the same environment and branch, with the variables as they are now.
export function DeploymentActions({ deployment: d, project, canCancel, canDeploy, canPromote }: Props) {
  const router = useRouter();
  const slug = project?.slug ?? "";
  const redeploy = useRedeployDeployment(d.id, slug);
  const cancel = useCancelDeployment(d.id);
  const [confirming, setConfirming] = useState(false);
  const [promoting, setPromoting] = useState(false);
  const showPromote = canPromote && offersPromote(d.status);

  function onRedeploy() {
    if (!project) return;
    redeploy.mutate(undefined, { onSuccess: (next) => router.push(deploymentHref(project.slug, next.id)) });
  }

  if (!canCancel && !canDeploy && !showPromote) return null;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2">
        {showPromote && (
          <Button onClick={() => setPromoting(true)} aria-haspopup="dialog">
            Promote
          </Button>
        )}
        {canDeploy && (
          <Button variant="secondary" onClick={onRedeploy} pending={redeploy.isPending} disabled={!project}>
            Redeploy
          </Button>
        )}
        {canCancel && (
          <Button
            variant="danger-secondary"
            onClick={() => {
              cancel.reset();
              setConfirming(true);
            }}
            aria-haspopup="dialog"
          >
            Cancel deployment
          </Button>
        )}
      </div>
      {redeploy.error && (
        <div className="max-w-sm">
          <Alert tone="error">Redeploy failed: {redeploy.error.message}</Alert>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Cancel this deployment?"
          confirmLabel="Yes, stop it"
          cancelLabel="Keep it going"
          pending={cancel.isPending}
          error={cancel.error}
          onConfirm={() => cancel.mutate(undefined, { onSuccess: () => setConfirming(false) })}
          onClose={() => setConfirming(false)}
        >
          It stops where it is and goes no further. The live deployment keeps serving as before.
        </ConfirmDialog>
      )}
      {promoting && <PromoteDialog deploymentId={d.id} onClose={() => setPromoting(false)} />}
    </div>
  );
}
