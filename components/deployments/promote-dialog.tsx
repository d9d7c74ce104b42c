"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { changeRows, type ChangeRow, type ManifestDiff } from "@/lib/bundles/diff-manifests";
import { formatBytes, formatBytesDelta, shortId, shortSha } from "@/lib/ui/format";
import { deploymentHref } from "@/components/deployments/deploy-dialog";
import { usePromoteDeployment, usePromotePreview, useRedeployDeployment } from "@/components/deployments/queries";
import { StatusBadge } from "@/components/deployments/status-badge";
import type { PromotePreview, PromoteSide, VariablesDrift } from "@/components/deployments/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Fact } from "@/components/ui/fact";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

type Props = { deploymentId: string; onClose: () => void };

// "What will change" before a promote: what the route serves now and what it
// would serve, the file changes between them, and the confirm. Mounted while
// open; each opening reads the preview afresh. Confirm stays disabled until the
// preview says the promote is allowed, so nobody promotes blind. When the
// project's variables have changed since the target was built, it names the
// keys and offers a redeploy with the current values instead.
export function PromoteDialog({ deploymentId, onClose }: Props) {
  const preview = usePromotePreview(deploymentId);
  const promote = usePromoteDeployment(deploymentId);
  // Built before migrations applied since: promoting needs a confirmation that names them.
  const [risked, setRisked] = useState(false);
  const migrations = preview.data?.migrations ?? [];
  return (
    <ConfirmDialog
      title="Promote this deployment to live?"
      tone="primary"
      wide
      confirmLabel="Promote to live"
      cancelLabel="Cancel"
      confirmDisabled={!preview.data?.allowed || (migrations.length > 0 && !risked)}
      pending={promote.isPending}
      error={promote.error}
      onConfirm={() => promote.mutate({ confirmMigrations: migrations.length > 0 && risked }, { onSuccess: onClose })}
      onClose={onClose}
      details={
        preview.isPending ? (
          <Loading label="Working out what will change" rows={2} />
        ) : preview.isError ? (
          <LoadError title="What would change could not be worked out." error={preview.error} onRetry={() => preview.refetch()} />
        ) : (
          <PreviewBody preview={preview.data} onRedeployed={onClose} risked={risked} onRisked={setRisked} />
        )
      }
    >
      Its bundle is already built and stored, so the live URL switches to it at once, with no rebuild. The deployment
      live now is kept and can be promoted back the same way.
    </ConfirmDialog>
  );
}

function PreviewBody({
  preview: p,
  onRedeployed,
  risked,
  onRisked,
}: {
  preview: PromotePreview;
  onRedeployed: () => void;
  risked: boolean;
  onRisked: (v: boolean) => void;
}) {
  return (
    <div className="space-y-4" data-testid="promote-preview" data-allowed={p.allowed}>
      {p.reason && <Alert tone="info">{p.reason}</Alert>}
      {p.allowed && p.migrations && p.migrations.length > 0 && <LaterMigrations migrations={p.migrations} risked={risked} onRisked={onRisked} />}
      <div className="grid items-center gap-2 sm:grid-cols-[minmax(0,1fr)_auto_minmax(0,1fr)]">
        <Side label={`Live now on ${p.route.name}`} deployment={p.live} testId="promote-from" />
        <span aria-hidden="true" className="text-center text-lg text-zinc-400 max-sm:rotate-90">
          →
        </span>
        <Side label="Goes live" deployment={p.target} testId="promote-to" />
      </div>
      {p.diff && <DiffSummary diff={p.diff} />}
      {p.diff && <ChangedFiles diff={p.diff} />}
      <div className="space-y-2 rounded-md border border-zinc-200 bg-zinc-50 px-3.5 py-2.5 text-xs text-zinc-700">
        <p data-testid="promote-env-note">{p.runtimeEnv}</p>
        {p.variables && drifted(p.variables) && (
          <VariablesChanged variables={p.variables} deploymentId={p.target.id} slug={p.project.slug} onRedeployed={onRedeployed} />
        )}
      </div>
    </div>
  );
}

// Migrations the environment's database got after the target was built: its
// code may not work with that schema, and nothing rolls the schema back.
function LaterMigrations({ migrations, risked, onRisked }: { migrations: { name: string; appliedAt: string }[]; risked: boolean; onRisked: (v: boolean) => void }) {
  return (
    <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3.5 py-2.5 text-sm text-amber-900" data-testid="promote-migrations">
      <p className="font-medium">This deployment was built before these migrations were applied to its database:</p>
      <ul className="list-disc space-y-0.5 pl-5 font-mono text-xs">
        {migrations.map((m) => (
          <li key={m.name}>
            {m.name} <span className="font-sans text-amber-800">applied {new Date(m.appliedAt).toISOString().slice(0, 10)}</span>
          </li>
        ))}
      </ul>
      <label className="flex items-start gap-2">
        <input type="checkbox" className="mt-0.5" checked={risked} onChange={(e) => onRisked(e.target.checked)} />
        <span>I understand its code may not work with the schema these migrations made, and that promoting does not undo them.</span>
      </label>
    </div>
  );
}

const drifted = (v: VariablesDrift) => v.added.length + v.changed.length + v.removed.length > 0;

// Key names only: the values stay where they are.
function VariablesChanged({ variables: v, deploymentId, slug, onRedeployed }: { variables: VariablesDrift; deploymentId: string; slug: string; onRedeployed: () => void }) {
  const router = useRouter();
  const redeploy = useRedeployDeployment(deploymentId, slug);
  const rows = [
    ...v.changed.map((key) => ({ key, kind: "changed" as const })),
    ...v.added.map((key) => ({ key, kind: "added" as const })),
    ...v.removed.map((key) => ({ key, kind: "removed" as const })),
  ];
  const word = { changed: "changed since", added: "added since", removed: "removed since" };
  return (
    <div className="space-y-2" data-testid="promote-variables">
      <p className="font-medium text-zinc-900">A new deploy would get different values for these variables:</p>
      <ul aria-label="Variables changed since this deployment was built" className="space-y-0.5">
        {rows.map((r) => (
          <li key={`${r.kind}:${r.key}`} data-kind={r.kind} data-key={r.key} className="flex items-baseline gap-2">
            <span aria-hidden="true" className={`w-3 shrink-0 font-mono font-semibold ${KIND[r.kind].tone}`}>
              {KIND[r.kind].mark}
            </span>
            <span className="font-mono break-all text-zinc-900">{r.key}</span>
            <span className="text-zinc-500">{word[r.kind]} it was built</span>
          </li>
        ))}
      </ul>
      {redeploy.error && <Alert tone="error">Redeploy failed: {redeploy.error.message}</Alert>}
      <Button
        variant="secondary"
        size="sm"
        pending={redeploy.isPending}
        onClick={() =>
          redeploy.mutate(undefined, {
            onSuccess: (next) => {
              onRedeployed();
              router.push(deploymentHref(slug, next.id));
            },
          })
        }
      >
        Redeploy with current variables
      </Button>
    </div>
  );
}

function Side({ label, deployment: d, testId }: { label: string; deployment: PromoteSide | null; testId: string }) {
  return (
    <div className="min-w-0 rounded-md border border-zinc-200 px-3 py-2.5" data-testid={testId} data-deployment-id={d?.id}>
      <p className="truncate text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</p>
      {d ? (
        <>
          <p className="mt-1 flex items-center gap-2 text-sm">
            <span className="font-mono font-medium text-zinc-900">{shortId(d.id)}</span>
            <StatusBadge status={d.status} />
          </p>
          <p className="mt-0.5 truncate text-xs text-zinc-600" title={d.commitMessage ?? undefined}>
            <span className="font-mono" title={d.commitSha}>
              {shortSha(d.commitSha)}
            </span>{" "}
            · {d.branch || "—"} · deployed <RelativeTime value={d.createdAt} />
          </p>
        </>
      ) : (
        <p className="mt-1 text-sm text-zinc-600">Nothing is live yet.</p>
      )}
    </div>
  );
}

function DiffSummary({ diff }: { diff: ManifestDiff }) {
  const { counts: c, bytes: b } = diff;
  return (
    <div className="space-y-2">
      <dl
        className="grid grid-cols-2 gap-3 sm:grid-cols-4"
        data-testid="promote-summary"
        data-added={c.added}
        data-changed={c.changed}
        data-removed={c.removed}
        data-unchanged={c.unchanged}
      >
        <Count term="Added" n={c.added} detail={`+${formatBytes(b.added)}`} />
        <Count term="Changed" n={c.changed} detail={`${formatBytes(b.changedBefore)} → ${formatBytes(b.changedAfter)}`} />
        <Count term="Removed" n={c.removed} detail={`−${formatBytes(b.removed)}`} />
        <Count term="Unchanged" n={c.unchanged} />
      </dl>
      <p className="text-sm text-zinc-700" data-testid="promote-size">
        Total size {formatBytes(b.totalBefore)} → {formatBytes(b.totalAfter)}{" "}
        <span className="text-zinc-500">({formatBytesDelta(b.totalAfter - b.totalBefore)})</span>
      </p>
    </div>
  );
}

function Count({ term, n, detail }: { term: string; n: number; detail?: string }) {
  return (
    <Fact term={term}>
      <span className="font-medium tabular-nums">{n.toLocaleString("en")}</span> {n === 1 ? "file" : "files"}
      {detail && n > 0 && <span className="block text-xs text-zinc-500 tabular-nums">{detail}</span>}
    </Fact>
  );
}

const KIND = {
  added: { mark: "+", tone: "text-emerald-700" },
  changed: { mark: "~", tone: "text-amber-700" },
  removed: { mark: "−", tone: "text-red-700" },
} as const;

function sizes(r: ChangeRow): string {
  if (r.before === null) return formatBytes(r.after ?? 0);
  if (r.after === null) return formatBytes(r.before);
  return `${formatBytes(r.before)} → ${formatBytes(r.after)}`;
}

function ChangedFiles({ diff }: { diff: ManifestDiff }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const total = diff.counts.added + diff.counts.changed + diff.counts.removed;
  if (total === 0) {
    return <p className="text-sm text-zinc-600">Both serve exactly the same files; only which deployment is live changes.</p>;
  }
  const rows = changeRows(diff);
  const unlisted = total - rows.length;
  return (
    <div className="space-y-2">
      <Button variant="ghost" size="sm" aria-expanded={open} aria-controls={listId} onClick={() => setOpen(!open)}>
        <span aria-hidden="true" className={`transition-transform ${open ? "rotate-90" : ""}`}>
          ▸
        </span>
        {open ? "Hide" : "Show"} the {total.toLocaleString("en")} changed {total === 1 ? "path" : "paths"}
      </Button>
      <div id={listId} hidden={!open}>
        <ul
          tabIndex={0}
          aria-label="Changed paths"
          data-testid="promote-files"
          className="max-h-64 divide-y divide-zinc-100 overflow-y-auto rounded-md border border-zinc-200 text-xs"
        >
          {rows.map((r) => (
            <li key={`${r.kind}:${r.path}`} data-kind={r.kind} data-path={r.path} className="flex items-baseline gap-2 px-3 py-1.5">
              <span aria-hidden="true" className={`w-3 shrink-0 font-mono font-semibold ${KIND[r.kind].tone}`}>
                {KIND[r.kind].mark}
              </span>
              <span className="sr-only">{r.kind}: </span>
              <span className="min-w-0 flex-1 font-mono break-all text-zinc-900">{r.path}</span>
              <span className="shrink-0 text-zinc-500 tabular-nums">{sizes(r)}</span>
            </li>
          ))}
        </ul>
        {unlisted > 0 && (
          <p className="mt-1.5 text-xs text-zinc-500">
            And {unlisted.toLocaleString("en")} more not listed here; the counts above include them.
          </p>
        )}
      </div>
    </div>
  );
}
