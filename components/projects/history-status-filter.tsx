"use client";

import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { statusLabel } from "@/components/deployments/status-badge";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";

// In the order a deployment moves through them.
const STATUSES: DeploymentStatus[] = ["queued", "building", "built", "uploading", "canary", "live", "superseded", "failed", "canceled"];

function summary(selected: string[]): string {
  if (selected.length === 0) return "Any status";
  if (selected.length === 1) return STATUSES.includes(selected[0] as DeploymentStatus) ? statusLabel(selected[0] as DeploymentStatus) : selected[0];
  return `${selected.length} statuses`;
}

// One or several statuses: a button opening a list of checkboxes, each applied
// at once. Escape or a click elsewhere closes it; focus goes back to the button.
export function HistoryStatusFilter({ selected, onChange }: { selected: string[]; onChange: (next: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    root.current?.querySelector<HTMLInputElement>("input")?.focus();
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key !== "Escape" || !open) return;
    e.preventDefault();
    setOpen(false);
    button.current?.focus();
  }

  // The boxes answer a click at once; the URL (and `selected`) follow.
  const [checked, setChecked] = useState(selected);
  const [seen, setSeen] = useState(selected);
  if (selected.join() !== seen.join()) {
    setSeen(selected);
    setChecked(selected);
  }
  const choose = (next: string[]) => {
    setChecked(next);
    onChange(next);
  };
  const toggle = (status: string) => choose(checked.includes(status) ? checked.filter((s) => s !== status) : [...checked, status]);
  return (
    <div
      ref={root}
      className="relative min-w-0"
      onKeyDown={onKeyDown}
      // Tabbing out of the list closes it (a click elsewhere is the pointerdown listener's).
      onBlur={(e) => {
        if (open && e.relatedTarget && !e.currentTarget.contains(e.relatedTarget)) setOpen(false);
      }}
    >
      <span id={`${id}-label`} className="mb-1 block text-xs font-medium text-zinc-600">
        Status
      </span>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        aria-labelledby={`${id}-label ${id}-value`}
        onClick={() => setOpen((o) => !o)}
        data-testid="status-filter"
        className="flex h-9 w-full items-center justify-between gap-2 rounded-md border border-zinc-300 bg-white px-3 text-left text-sm text-zinc-900 shadow-sm hover:border-zinc-400"
      >
        <span id={`${id}-value`} className="truncate">
          {summary(checked)}
        </span>
        <span aria-hidden="true" className="text-xs text-zinc-500">
          ▾
        </span>
      </button>
      {open && (
        <fieldset
          id={`${id}-panel`}
          className="absolute top-full left-0 z-20 mt-1 w-56 rounded-md border border-zinc-200 bg-white p-2 shadow-lg"
        >
          <legend className="sr-only">Show deployments with these statuses</legend>
          {STATUSES.map((status) => (
            <label key={status} className="flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-50">
              <input type="checkbox" checked={checked.includes(status)} onChange={() => toggle(status)} className="size-4 accent-accent-600" />
              {statusLabel(status)}
            </label>
          ))}
          <div className="mt-1 flex justify-between border-t border-zinc-100 px-2 pt-2">
            <button type="button" onClick={() => choose([])} disabled={checked.length === 0} className="text-xs font-medium text-accent-700 hover:underline disabled:text-zinc-400 disabled:no-underline">
              Any status
            </button>
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                button.current?.focus();
              }}
              className="text-xs font-medium text-zinc-700 hover:underline"
            >
              Done
            </button>
          </div>
        </fieldset>
      )}
    </div>
  );
}
