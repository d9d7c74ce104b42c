"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { shortId, shortSha } from "@/lib/ui/format";
import { deploymentHref } from "@/components/deployments/deploy-dialog";
import { useRedeployDeployment } from "@/components/deployments/queries";
import { StatusBadge } from "@/components/deployments/status-badge";
import { useRedeployTarget } from "@/components/env/queries";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

// Variables are fixed into each deployment when it is built, so saving changes
// nothing that runs now (except mutable ones, for running servers); the
// shortcut builds production again with them.
export function RedeployNote({ slug, pending }: { slug: string; pending: number }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-md border border-zinc-200 bg-white px-4 py-3 text-sm text-zinc-700">
      <p className="min-w-0 flex-1 basis-72">
        Changes apply to new deployments. Deployments keep the variables they were built with, except mutable ones: their new
        values reach running server deployments, one instance at a time.
      </p>
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)}>
        Redeploy production
      </Button>
      {open && <RedeployDialog slug={slug} pending={pending} onClose={() => setOpen(false)} />}
    </div>
  );
}

function RedeployDialog({ slug, pending, onClose }: { slug: string; pending: number; onClose: () => void }) {
  const router = useRouter();
  const target = useRedeployTarget(slug);
  const redeploy = useRedeployDeployment(target.data?.id ?? "", slug);
  return (
    <ConfirmDialog
      title="Redeploy production?"
      tone="primary"
      confirmLabel="Redeploy production"
      cancelLabel="Cancel"
      confirmDisabled={!target.data}
      pending={redeploy.isPending}
      error={redeploy.error}
      onClose={onClose}
      onConfirm={() => redeploy.mutate(undefined, { onSuccess: (d) => router.push(deploymentHref(slug, d.id)) })}
      details={
        <div className="space-y-3">
          {target.isPending ? (
            <Loading label="Finding the production deployment" rows={1} />
          ) : target.isError ? (
            <LoadError title="The production deployment could not be found." error={target.error} onRetry={() => target.refetch()} />
          ) : target.data ? (
            <div className="rounded-md border border-zinc-200 px-3 py-2.5 text-sm" data-testid="redeploy-target" data-deployment-id={target.data.id}>
              <p className="flex flex-wrap items-center gap-2">
                <StatusBadge status={target.data.status} />
                <span className="font-mono font-medium text-zinc-900">{shortId(target.data.id)}</span>
                <span className="font-mono text-zinc-600">{shortSha(target.data.commitSha)}</span>
              </p>
              <p className="mt-1 text-xs text-zinc-500">
                Built <RelativeTime value={target.data.createdAt} /> from {target.data.branch}
              </p>
            </div>
          ) : (
            <Alert tone="info">There is no production deployment to rebuild yet. Deploy the project from its page first.</Alert>
          )}
          {pending > 0 && (
            <Alert tone="info">
              Your {pending === 1 ? "unsaved change is" : `${pending} unsaved changes are`} not part of it: the build uses the saved
              variables, and the deployment&apos;s page opens when it starts. Save first to include{" "}
              {pending === 1 ? "it" : "them"}.
            </Alert>
          )}
        </div>
      }
    >
      A new production deployment of the same source, built with the variables saved now. It goes live like any deploy.
    </ConfirmDialog>
  );
}
