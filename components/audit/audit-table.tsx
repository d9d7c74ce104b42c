"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import type { AuditEvent } from "@/components/audit/queries";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";

// One row per audit event; "Details" opens the event's data below it.
export function AuditTable({ events }: { events: AuditEvent[] }) {
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm">
      {/* On a phone one "Event" cell holds what the wider columns show side by side. */}
      <table className="w-full table-fixed text-left text-sm">
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500">
          <tr>
            <th scope="col" className="px-4 py-2.5 font-medium sm:hidden">Event</th>
            <th scope="col" className="hidden w-[8.5rem] px-4 py-2.5 font-medium sm:table-cell">When</th>
            <th scope="col" className="hidden w-[26%] px-3 py-2.5 font-medium sm:table-cell">Actor</th>
            <th scope="col" className="hidden w-[11rem] px-3 py-2.5 font-medium sm:table-cell">Action</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium sm:table-cell">Object</th>
            <th scope="col" className="w-[5.5rem] px-4 py-2.5 font-medium sm:w-[6.5rem]">
              <span className="sr-only">Data</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200">
          {events.map((e) => (
            <Fragment key={e.id}>
              <AuditRow event={e} expanded={open.has(e.id)} onToggle={() => toggle(e.id)} />
              {open.has(e.id) && (
                <tr id={`audit-data-${e.id}`} className="bg-zinc-50">
                  <td colSpan={6} className="px-4 py-3">
                    <pre
                      data-testid="audit-data"
                      tabIndex={0}
                      aria-label={`Data of ${e.action}`}
                      className="max-h-80 overflow-auto rounded-md border border-zinc-200 bg-white p-3 font-mono text-xs text-zinc-800"
                    >
                      {JSON.stringify(e.data, null, 2)}
                    </pre>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditRow({ event: e, expanded, onToggle }: { event: AuditEvent; expanded: boolean; onToggle: () => void }) {
  const hasData = e.data !== null && e.data !== undefined;
  return (
    <tr data-testid="audit-row" data-action={e.action} data-actor-id={e.actor.id ?? undefined} className="align-top">
      <td className="space-y-1 px-4 py-3 sm:hidden">
        <p className="flex flex-wrap items-baseline gap-x-2">
          <code className="font-mono text-xs [overflow-wrap:anywhere] text-zinc-800">{e.action}</code>
          <span className="text-xs text-zinc-500">
            <RelativeTime value={e.createdAt} />
          </span>
        </p>
        <p className="truncate text-zinc-900">
          <span className="text-xs text-zinc-500">{e.target.type} </span>
          <Target target={e.target} />
        </p>
        <p className="truncate text-xs text-zinc-600">by {e.actor.label}</p>
      </td>
      <td className="hidden px-4 py-3 text-zinc-600 sm:table-cell">
        <RelativeTime value={e.createdAt} />
      </td>
      <td className="hidden px-3 py-3 sm:table-cell">
        <p className="truncate font-medium text-zinc-900" title={e.actor.label}>
          {e.actor.label}
        </p>
        {e.actor.detail && (
          <p className="truncate text-xs text-zinc-500" title={e.actor.detail}>
            {e.actor.detail}
          </p>
        )}
      </td>
      <td className="hidden px-3 py-3 sm:table-cell">
        <code className="font-mono text-xs [overflow-wrap:anywhere] text-zinc-800">{e.action}</code>
      </td>
      <td className="hidden px-3 py-3 sm:table-cell">
        <p className="text-xs text-zinc-500">{e.target.type}</p>
        <p className="truncate">
          <Target target={e.target} />
        </p>
      </td>
      <td className="px-4 py-2.5 text-right">
        {hasData && (
          <Button
            variant="ghost"
            size="sm"
            onClick={onToggle}
            aria-expanded={expanded}
            aria-controls={expanded ? `audit-data-${e.id}` : undefined}
          >
            Details<span className="sr-only"> of {e.action} on {e.target.label ?? e.target.id}</span>
          </Button>
        )}
      </td>
    </tr>
  );
}

// The object by name, linked when the console has a page for it; its id on hover.
function Target({ target: t }: { target: AuditEvent["target"] }) {
  if (t.href) {
    return (
      <Link href={t.href} className="text-zinc-900 hover:text-accent-700 hover:underline" title={t.id}>
        {t.label}
      </Link>
    );
  }
  return (
    <span className={t.label ? "text-zinc-900" : "font-mono text-xs text-zinc-700"} title={t.id}>
      {t.label ?? t.id}
    </span>
  );
}
