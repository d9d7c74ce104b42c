"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { DeployDialog, deploymentHref, type DeployTarget } from "@/components/deployments/deploy-dialog";
import type { useCreateDeployment } from "@/components/deployments/queries";
import { Button } from "@/components/ui/button";

type Props = { project: DeployTarget; deploy: ReturnType<typeof useCreateDeployment> };

// The project header's buttons. "Deploy" ships the production branch to production
// at once; archive projects have nothing to build without a file, so for them it
// opens the dialog to upload one.
export function DeployActions({ project, deploy }: Props) {
  const router = useRouter();
  const [dialog, setDialog] = useState(false);
  const needsArchive = project.sourceKind === "archive";

  function quickDeploy() {
    if (needsArchive) {
      setDialog(true);
      return;
    }
    deploy.mutate({}, { onSuccess: (d) => router.push(deploymentHref(project.slug, d.id)) });
  }

  return (
    <>
      <Button variant="secondary" onClick={() => setDialog(true)} disabled={deploy.isPending} aria-haspopup="dialog">
        Deploy options…
      </Button>
      <Button onClick={quickDeploy} pending={deploy.isPending} aria-haspopup={needsArchive ? "dialog" : undefined}>
        Deploy
      </Button>
      {dialog && <DeployDialog project={project} onClose={() => setDialog(false)} />}
    </>
  );
}
