"use client";

import { useId, type ReactNode } from "react";
import { ENVIRONMENT_LABEL } from "@/components/deployments/status";
import type { HistoryFilters } from "@/components/projects/history-params";
import { HistorySearch } from "@/components/projects/history-search";
import { HistoryStatusFilter } from "@/components/projects/history-status-filter";
import { useBranches } from "@/components/projects/queries";
import { useMe } from "@/components/me/queries";
import { useTeamMembers } from "@/components/team/queries";
import { Button } from "@/components/ui/button";
import { shortId } from "@/lib/ui/format";

const SELECT =
  "block h-9 w-full truncate rounded-md border border-zinc-300 bg-white px-2.5 text-sm text-zinc-900 shadow-sm hover:border-zinc-400";

type Props = {
  slug: string;
  teamId: string;
  filters: HistoryFilters;
  onChange: (patch: Partial<HistoryFilters>) => void;
  onClear: () => void;
  active: boolean;
};

// Environment, branch, status, author and a search, each applied as soon as it
// changes. Always the same size, so nothing below it moves.
export function HistoryFilterBar({ slug, teamId, filters, onChange, onClear, active }: Props) {
  const id = useId();
  const branches = useBranches(slug);
  const members = useTeamMembers(teamId);
  const me = useMe();
  const branchNames = branches.data?.branches.map((b) => b.name) ?? [];
  // A value from the URL that the lists do not have (an old branch, a former member) stays selectable.
  const withCurrent = (names: string[], current: string) => (current && !names.includes(current) ? [...names, current] : names);
  const people = (members.data?.members ?? []).map((m) => m.user).filter((u) => u.id !== me.data?.user.id);
  const personIds = people.map((u) => u.id);

  return (
    <div
      role="group"
      aria-label="Filter deployments"
      className="grid grid-cols-2 items-end gap-3 sm:grid-cols-4 lg:grid-cols-[repeat(4,minmax(0,1fr))_minmax(0,1.25fr)_auto]"
    >
      <Labelled id={`${id}-env`} label="Environment">
        <select id={`${id}-env`} value={filters.environment} onChange={(e) => onChange({ environment: e.target.value })} className={SELECT}>
          <option value="">All</option>
          {withCurrent(["production", "preview"], filters.environment).map((env) => (
            <option key={env} value={env}>
              {ENVIRONMENT_LABEL[env as keyof typeof ENVIRONMENT_LABEL] ?? env}
            </option>
          ))}
        </select>
      </Labelled>
      <Labelled id={`${id}-branch`} label="Branch">
        <select id={`${id}-branch`} value={filters.branch} onChange={(e) => onChange({ branch: e.target.value })} className={SELECT}>
          <option value="">All branches</option>
          {withCurrent(branchNames, filters.branch).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </Labelled>
      <HistoryStatusFilter selected={filters.status} onChange={(status) => onChange({ status })} />
      <Labelled id={`${id}-author`} label="Author">
        <select id={`${id}-author`} value={filters.author} onChange={(e) => onChange({ author: e.target.value })} className={SELECT}>
          <option value="">Anyone</option>
          <option value="me">Me</option>
          {people.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
          {filters.author && filters.author !== "me" && !personIds.includes(filters.author) && filters.author !== me.data?.user.id && (
            <option value={filters.author}>Someone else ({shortId(filters.author)})</option>
          )}
          {filters.author && filters.author === me.data?.user.id && <option value={filters.author}>{me.data.user.name}</option>}
        </select>
      </Labelled>
      <div className="col-span-2 sm:col-span-3 lg:col-span-1">
        <HistorySearch id={`${id}-q`} value={filters.q} onSearch={(q) => onChange({ q })} />
      </div>
      <Button variant="secondary" onClick={onClear} disabled={!active} className="max-lg:w-full">
        Clear filters
      </Button>
    </div>
  );
}

function Labelled({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-zinc-600">
        {label}
      </label>
      {children}
    </div>
  );
}
