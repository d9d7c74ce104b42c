"use client";

import { useState } from "react";
import { ENVIRONMENT_LABELS } from "@/lib/env-vars/env-rules";
import type { Environment, TabGroup, WorkingRow } from "@/lib/ui/env-editor";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";

type Actions = { onEdit: (row: WorkingRow) => void; onDelete: (row: WorkingRow) => void; onUndo: (row: WorkingRow) => void };
type Props = Actions & { env: Environment; groups: TabGroup[] };

const TH = "px-3 py-2.5 font-medium first:pl-4 last:pr-4";
// Below the sm breakpoint each row becomes a card: key, value, environments, then who and when.
const TD = "px-3 py-3 align-top first:pl-4 last:pr-4 max-sm:block max-sm:p-0 max-sm:first:pl-0 max-sm:last:pr-0";

// One environment's variables; on Preview, branch overrides sit indented under
// their variable. Fixed column widths: revealing a value or staging a change
// never moves the columns.
export function EnvTable({ env, groups, ...actions }: Props) {
  return (
    <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm">
      <table className="w-full table-fixed text-left text-sm max-sm:block" data-testid="env-table">
        <caption className="sr-only">{ENVIRONMENT_LABELS[env]} variables</caption>
        <colgroup>
          <col />
          <col className="w-[15rem]" />
          <col className="w-[9.5rem]" />
          <col className="w-[9rem]" />
          <col className="w-[8.5rem]" />
        </colgroup>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500 max-sm:hidden">
          <tr>
            <th scope="col" className={TH}>Key</th>
            <th scope="col" className={TH}>Value</th>
            <th scope="col" className={TH}>Environments</th>
            <th scope="col" className={TH}>Updated</th>
            <th scope="col" className={TH}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 max-sm:block">
          {groups.map((g) => (
            <Group key={g.row?.id ?? `${g.key}:overrides`} group={g} {...actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Group({ group, ...actions }: Actions & { group: TabGroup }) {
  return (
    <>
      {group.row ? <Row row={group.row} {...actions} /> : <NoBaseRow name={group.key} />}
      {group.overrides.map((o) => (
        <Row key={o.id} row={o} {...actions} />
      ))}
    </>
  );
}

const ROW = "max-sm:grid max-sm:grid-cols-1 max-sm:gap-2 max-sm:px-4 max-sm:py-3";
const STATE_TONE: Record<WorkingRow["state"], string> = { saved: "", new: "bg-emerald-50/50", edited: "bg-amber-50/50", deleted: "bg-red-50/50" };

function Row({ row, onEdit, onDelete, onUndo }: Actions & { row: WorkingRow }) {
  const name = row.branch ? `${row.key} for branch ${row.branch}` : row.key;
  const deleted = row.state === "deleted";
  return (
    <tr data-testid="env-row" data-key={row.key} data-branch={row.branch ?? ""} data-state={row.state} className={`${ROW} ${STATE_TONE[row.state]}`}>
      <td className={TD}>
        <div className={row.branch ? "flex gap-1.5 pl-4" : ""}>
          {row.branch && (
            <span aria-hidden="true" className="text-zinc-400">
              ↳
            </span>
          )}
          <div className="min-w-0">
            <p className={`font-mono text-[13px] font-medium [overflow-wrap:anywhere] text-zinc-900 ${deleted ? "line-through decoration-red-400" : ""}`}>
              {row.key}
            </p>
            {row.branch && (
              <p className="text-xs text-zinc-600">
                override for branch <span className="font-mono [overflow-wrap:anywhere]">{row.branch}</span>
              </p>
            )}
            <Badges row={row} />
          </div>
        </div>
      </td>
      <td className={TD}>
        <ValueCell row={row} name={name} />
      </td>
      <td className={TD}>
        <ul className="flex flex-wrap gap-1" aria-label="Environments">
          {row.targets.map((t) => (
            <li key={t} className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-700">
              {ENVIRONMENT_LABELS[t]}
            </li>
          ))}
        </ul>
      </td>
      <td className={`${TD} text-xs text-zinc-600`}>
        {row.state === "saved" ? (
          <>
            <p className="truncate" title={row.updatedBy?.email}>
              {row.updatedBy?.name ?? "Unknown"}
            </p>
            <RelativeTime value={row.updatedAt} />
          </>
        ) : (
          <p className="font-medium text-amber-800">Not saved yet</p>
        )}
      </td>
      <td className={`${TD} max-sm:pt-1`}>
        <div className="flex justify-end gap-1 max-sm:justify-start">
          {!deleted && (
            <Button variant="ghost" size="sm" onClick={() => onEdit(row)} aria-label={`Edit ${name}`}>
              Edit
            </Button>
          )}
          {row.state === "saved" ? (
            <Button variant="ghost" size="sm" className="min-w-[3.25rem] text-red-700 hover:bg-red-50" onClick={() => onDelete(row)} aria-label={`Delete ${name}`}>
              Delete
            </Button>
          ) : (
            <Button variant="ghost" size="sm" className="min-w-[3.25rem]" onClick={() => onUndo(row)} aria-label={`Undo the change to ${name}`}>
              Undo
            </Button>
          )}
        </div>
      </td>
    </tr>
  );
}

const STATE_BADGE: Partial<Record<WorkingRow["state"], { label: string; tone: string }>> = {
  new: { label: "New", tone: "bg-emerald-100 text-emerald-800" },
  edited: { label: "Edited", tone: "bg-amber-100 text-amber-900" },
  deleted: { label: "Will be deleted", tone: "bg-red-100 text-red-800" },
};

function Badges({ row }: { row: WorkingRow }) {
  const state = STATE_BADGE[row.state];
  if (!row.public && !row.sensitive && !row.mutable && !state) return null;
  return (
    <p className="mt-1 flex flex-wrap gap-1">
      {state && <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${state.tone}`}>{state.label}</span>}
      {row.public && (
        <span className="rounded bg-sky-100 px-1.5 py-0.5 text-xs font-medium text-sky-800" title="Exposed to the browser: the build puts this value in the app's public files.">
          Browser<span className="sr-only"> (exposed to the browser)</span>
        </span>
      )}
      {row.sensitive && <span className="rounded bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800">Sensitive</span>}
      {row.mutable && (
        <span className="rounded bg-teal-100 px-1.5 py-0.5 text-xs font-medium text-teal-800" title="A new value restarts running server deployments with it, no rebuild.">
          Mutable
        </span>
      )}
    </p>
  );
}

// Non-sensitive values are masked until asked for, one row at a time;
// sensitive ones are never in the page at all.
function ValueCell({ row, name }: { row: WorkingRow; name: string }) {
  const [shown, setShown] = useState(false);
  if (row.problem) return <p className="text-xs font-medium text-red-700">{row.problem}</p>;
  if (row.sensitive || row.value === null) {
    return (
      <p className="flex items-center gap-1.5 text-xs text-zinc-500" data-testid="env-value-sensitive">
        <LockIcon />
        Sensitive — write-only
      </p>
    );
  }
  return (
    <div className="flex min-w-0 items-start gap-2">
      {shown ? (
        <code className="block max-h-24 min-w-0 flex-1 overflow-auto font-mono text-xs break-all whitespace-pre-wrap text-zinc-900" data-testid="env-value">
          {row.value === "" ? <span className="text-zinc-500 italic">(empty)</span> : row.value}
        </code>
      ) : (
        <span className="min-w-0 flex-1 font-mono text-xs tracking-widest text-zinc-500 select-none">
          <span aria-hidden="true">••••••••</span>
          <span className="sr-only">Hidden value</span>
        </span>
      )}
      <Button variant="ghost" size="sm" className="-my-1 shrink-0" aria-label={`${shown ? "Hide" : "Show"} the value of ${name}`} onClick={() => setShown((s) => !s)}>
        {shown ? "Hide" : "Show"}
      </Button>
    </div>
  );
}

function LockIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5 shrink-0 fill-none stroke-current stroke-[1.5]">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </svg>
  );
}

function NoBaseRow({ name }: { name: string }) {
  return (
    <tr data-testid="env-row-no-base" data-key={name} className={ROW}>
      <td className={TD}>
        <p className="font-mono text-[13px] font-medium [overflow-wrap:anywhere] text-zinc-900">{name}</p>
      </td>
      <td className={`${TD} text-xs text-zinc-500`} colSpan={4}>
        No value for all Preview deployments; only the branch overrides below.
      </td>
    </tr>
  );
}
