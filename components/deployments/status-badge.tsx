import type { DeploymentStatus } from "@/lib/generated/prisma/enums";

const TONE: Record<DeploymentStatus, string> = {
  queued: "bg-zinc-100 text-zinc-700 ring-zinc-200",
  building: "bg-sky-50 text-sky-800 ring-sky-200",
  built: "bg-sky-50 text-sky-800 ring-sky-200",
  uploading: "bg-sky-50 text-sky-800 ring-sky-200",
  canary: "bg-amber-50 text-amber-800 ring-amber-200",
  live: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  superseded: "bg-zinc-100 text-zinc-600 ring-zinc-200",
  failed: "bg-red-50 text-red-800 ring-red-200",
  canceled: "bg-zinc-100 text-zinc-600 ring-zinc-200",
};

const LABEL: Record<DeploymentStatus, string> = {
  queued: "Queued",
  building: "Building",
  built: "Built",
  uploading: "Uploading",
  canary: "Canary",
  live: "Live",
  superseded: "Superseded",
  failed: "Failed",
  canceled: "Canceled",
};

// A canary shows the share of traffic it gets now: "Canary 25%".
export function statusLabel(status: DeploymentStatus, canaryWeight?: number | null): string {
  return status === "canary" && typeof canaryWeight === "number" ? `${LABEL.canary} ${canaryWeight}%` : LABEL[status];
}

export function StatusBadge({ status, canaryWeight }: { status: DeploymentStatus; canaryWeight?: number | null }) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap tabular-nums ring-1 ring-inset ${TONE[status]}`}
    >
      <span aria-hidden="true" className="size-1.5 rounded-full bg-current opacity-70" />
      {statusLabel(status, canaryWeight)}
    </span>
  );
}
