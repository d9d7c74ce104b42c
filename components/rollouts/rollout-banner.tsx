import Link from "next/link";
import type { ReactNode } from "react";
import { deploymentHref } from "@/components/deployments/deploy-dialog";
import type { Rollout } from "@/components/deployments/types";
import { logsHref } from "@/components/logs/filters";
import { shortId } from "@/lib/ui/format";

type Kind = "rolled_back" | "aborted" | "succeeded" | "paused";

const TONE: Record<Kind, string> = {
  rolled_back: "border-red-200 bg-red-50 text-red-800",
  aborted: "border-zinc-200 bg-zinc-50 text-zinc-700",
  succeeded: "border-emerald-200 bg-emerald-50 text-emerald-800",
  paused: "border-amber-200 bg-amber-50 text-amber-900",
};

// How the rollout ended, or why it waits. An automatic rollback interrupts
// (role=alert) with the reason in words; the others are announced politely.
// Nothing while it simply runs.
export function RolloutBanner({ rollout: r, slug }: { rollout: Rollout; slug: string }) {
  if (r.status === "running") return null;
  const kind: Kind = r.status;
  const weight = r.stages[r.stageIndex];
  const baseline = r.baselineDeploymentId ? (
    <Link href={deploymentHref(slug, r.baselineDeploymentId)} className="font-mono underline underline-offset-2">
      {shortId(r.baselineDeploymentId)}
    </Link>
  ) : (
    "the previous deployment"
  );
  let title: string;
  let body: ReactNode;
  switch (kind) {
    // The controller's reasons name the stage ("… at stage 25%"); without one, the title does.
    case "rolled_back":
      title = r.reason ? "Rolled back automatically" : `Rolled back automatically at ${weight}%`;
      body = (
        <>
          All traffic went back to {baseline}, which is still live.{" "}
          <Link href={logsHref(slug, { deployment: r.canaryDeploymentId, status: "5xx", since: r.startedAt, ...(r.finishedAt ? { until: r.finishedAt } : {}) })} className="underline underline-offset-2">
            See the canary&apos;s failing requests
          </Link>{" "}
          and{" "}
          <Link href={`${deploymentHref(slug, r.canaryDeploymentId)}#errors`} className="underline underline-offset-2">
            its errors
          </Link>
          .
        </>
      );
      break;
    case "aborted":
      title = r.reason ? "Rollout aborted" : `Rollout aborted at ${weight}%`;
      body = <>All traffic went back to {baseline}.</>;
      break;
    case "succeeded":
      title = "Rolled out";
      body = <>This deployment serves all traffic; {baseline} was superseded.</>;
      break;
    case "paused":
      title = r.reason ? "Rollout paused" : `Rollout paused at ${weight}%`;
      body = <>Traffic stays at {weight}% on this deployment until someone resumes, aborts or promotes it.</>;
      break;
  }
  return (
    <div
      data-testid="rollout-banner"
      data-kind={kind}
      role={kind === "rolled_back" ? "alert" : "status"}
      className={`rounded-md border px-3.5 py-2.5 text-sm ${TONE[kind]}`}
    >
      <p>
        <span className="font-medium">{title}</span>
        {r.reason && (
          <>
            : <span data-testid="rollout-reason" className="[overflow-wrap:anywhere]">{r.reason}</span>
          </>
        )}
        {r.reason && /[.!?]$/.test(r.reason) ? "" : "."}
      </p>
      <p className="mt-0.5 opacity-90">{body}</p>
    </div>
  );
}
