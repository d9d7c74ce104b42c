"use client";

import { useMemo, useRef, useState } from "react";
import { ENVIRONMENT_LABELS } from "@/lib/env-vars/env-rules";
import type { Role } from "@/lib/generated/prisma/enums";
import {
  applyStaged,
  changesOf,
  savedSummary,
  stage,
  tabCounts,
  tabGroups,
  touchesProduction,
  unstage,
  type EnvChange,
  type Environment,
  type Staged,
  type WorkingRow,
} from "@/lib/ui/env-editor";
import { BulkPasteDialog } from "@/components/env/bulk-paste-dialog";
import { EnvHeader } from "@/components/env/env-header";
import { EnvTable } from "@/components/env/env-table";
import { EnvTabs, panelId, tabId } from "@/components/env/env-tabs";
import { PendingBar } from "@/components/env/pending-bar";
import { useSaveEnvChanges } from "@/components/env/queries";
import { RedeployNote } from "@/components/env/redeploy-note";
import type { EnvList } from "@/components/env/types";
import { UnsavedGuard } from "@/components/env/unsaved-guard";
import { VarDialog } from "@/components/env/var-dialog";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";

type Props = { slug: string; list: EnvList; role: Role; canWriteProduction: boolean };
type Open = { kind: "add" } | { kind: "edit"; row: WorkingRow } | { kind: "bulk" } | { kind: "discard" } | null;

// The editor: changes are staged here (shown in the table as they will be) and
// saved together in one request, which stores all of them or none.
export function VariablesEditor({ slug, list, role, canWriteProduction }: Props) {
  const [staged, setStaged] = useState<Staged[]>([]);
  const [tab, setTab] = useState<Environment>("production");
  const [search, setSearch] = useState("");
  const [open, setOpen] = useState<Open>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [saved, setSaved] = useState<ReturnType<typeof savedSummary> | null>(null);
  const ids = useRef(0);
  const save = useSaveEnvChanges(slug);
  const rows = useMemo(() => applyStaged(list.variables, staged), [list.variables, staged]);

  // Stages changes in order, all or none; returns why one was refused.
  function stageChanges(changes: EnvChange[]): string | null {
    let next = staged;
    for (const change of changes) {
      const result = stage(next, change, String(++ids.current), list.variables);
      if (!result.ok) return result.message;
      next = result.staged;
    }
    setStaged(next);
    setRefused(null);
    setSaved(null);
    save.reset();
    return null;
  }

  function setStagedTo(next: Staged[]) {
    setStaged(next);
    setRefused(null);
    save.reset();
  }

  function onSave() {
    const count = staged.length;
    save.mutate(changesOf(staged), {
      onSuccess: (result) => {
        setStaged([]);
        setSaved(savedSummary(count, result.preview, result.applied));
      },
    });
  }

  const pending = staged.length;
  const actions = (
    <>
      <Button variant="secondary" onClick={() => setOpen({ kind: "bulk" })}>
        Paste .env
      </Button>
      <Button onClick={() => setOpen({ kind: "add" })}>Add variable</Button>
    </>
  );
  const empty = list.variables.length === 0 && pending === 0;
  return (
    <>
      <EnvHeader actions={actions} />
      <RedeployNote slug={slug} pending={pending} />
      {empty ? (
        <EmptyState title="No variables yet — add one or paste a .env file">
          Each variable has a value per environment (Production, Preview, Development), and can be marked sensitive to keep it
          write-only.
        </EmptyState>
      ) : (
        <>
          <div className="mb-4 flex flex-wrap items-end gap-x-4 gap-y-3">
            <div className="min-w-0 flex-1">
              <EnvTabs value={tab} counts={tabCounts(rows)} onChange={setTab} />
            </div>
            <div className="w-full sm:w-64">
              <label htmlFor="env-search" className="sr-only">
                Search variables by key
              </label>
              <input
                id="env-search"
                type="search"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
                placeholder="Search by key"
                autoComplete="off"
                spellCheck={false}
                className="block h-9 w-full rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 hover:border-zinc-400"
              />
            </div>
          </div>
          {refused && (
            <div className="mb-4">
              <Alert tone="error">{refused}</Alert>
            </div>
          )}
          <div role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)}>
            <TabContent
              env={tab}
              rows={rows}
              search={search}
              onEdit={(row) => setOpen({ kind: "edit", row })}
              onDelete={(row) => setRefused(stageChanges([{ op: "delete", id: row.id }]))}
              onUndo={(row) => row.stagedId && setStagedTo(unstage(staged, row.stagedId))}
            />
          </div>
        </>
      )}
      <PendingBar
        pending={pending}
        saving={save.isPending}
        error={save.error}
        saved={saved}
        productionWarning={
          !canWriteProduction && touchesProduction(staged, list.variables)
            ? `Changing Production variables takes the admin role (yours is ${role}): the server will refuse this save.`
            : null
        }
        onSave={onSave}
        onDiscard={() => setOpen({ kind: "discard" })}
      />
      <UnsavedGuard pending={pending} what="these variables" />
      {(open?.kind === "add" || open?.kind === "edit") && (
        <VarDialog
          editing={open.kind === "edit" ? open.row : null}
          initialEnv={tab}
          rows={rows}
          onStage={(change) => stageChanges([change])}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "bulk" && <BulkPasteDialog slug={slug} initialEnv={tab} onStage={stageChanges} onClose={() => setOpen(null)} />}
      {open?.kind === "discard" && (
        <ConfirmDialog
          title={`Discard ${pending === 1 ? "1 unsaved change" : `${pending} unsaved changes`}?`}
          confirmLabel="Discard changes"
          pending={false}
          error={null}
          onClose={() => setOpen(null)}
          onConfirm={() => {
            setStagedTo([]);
            setOpen(null);
          }}
        >
          The table goes back to the saved variables. This cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}

type TabProps = {
  env: Environment;
  rows: WorkingRow[];
  search: string;
  onEdit: (row: WorkingRow) => void;
  onDelete: (row: WorkingRow) => void;
  onUndo: (row: WorkingRow) => void;
};

function TabContent({ env, rows, search, ...actions }: TabProps) {
  const groups = tabGroups(rows, env, search);
  if (groups.length > 0) return <EnvTable env={env} groups={groups} {...actions} />;
  return (
    <EmptyState title={search.trim() ? `No ${ENVIRONMENT_LABELS[env]} keys match “${search.trim()}”.` : `No ${ENVIRONMENT_LABELS[env]} variables yet.`}>
      {search.trim() ? "Search looks at keys only, not values." : "Add one, or paste a .env file for this environment."}
    </EmptyState>
  );
}
