import type { FormEvent, ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Panel, SectionTitle } from "@/components/ui/panel";

type Props = {
  id: string;
  title: string;
  description: ReactNode;
  canEdit: boolean;
  onSubmit: (e: FormEvent) => void;
  pending: boolean;
  // Whether the form differs from what is stored, and whether its last save went through.
  dirty: boolean;
  saved: boolean;
  saveLabel: string;
  children: ReactNode;
};

// One settings form: a titled section, its fields, and a Save button with the
// form's state beside it. Without the permission, the same fields read-only.
export function SettingsSection({ id, title, description, canEdit, onSubmit, pending, dirty, saved, saveLabel, children }: Props) {
  return (
    <section aria-labelledby={`${id}-title`}>
      <SectionTitle id={`${id}-title`}>{title}</SectionTitle>
      <div className="-mt-1.5 mb-3 max-w-3xl text-sm text-zinc-600">{description}</div>
      <Panel className="p-5 sm:p-6">
        <form onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`} className="space-y-5">
          <fieldset disabled={!canEdit} className="min-w-0 space-y-5">
            {children}
          </fieldset>
          {canEdit && (
            <div className="flex flex-wrap items-center gap-3 border-t border-zinc-200 pt-5">
              <Button type="submit" pending={pending}>
                {saveLabel}
              </Button>
              <SaveState dirty={dirty} saved={saved} pending={pending} />
            </div>
          )}
        </form>
      </Panel>
    </section>
  );
}

// A live region that is always there, so a change of its text is announced.
function SaveState({ dirty, saved, pending }: { dirty: boolean; saved: boolean; pending: boolean }) {
  const state = pending ? null : dirty ? "dirty" : saved ? "saved" : null;
  return (
    <p role="status" data-state={state ?? "clean"} className="flex items-center gap-1.5 text-sm">
      {state === "dirty" && (
        <>
          <span aria-hidden="true" className="size-2 rounded-full bg-amber-500" />
          <span className="text-amber-800">Unsaved changes</span>
        </>
      )}
      {state === "saved" && (
        <>
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4 fill-none stroke-emerald-600 stroke-2">
            <path d="M3.5 8.5l3 3 6-7" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span className="font-medium text-emerald-800">Saved</span>
        </>
      )}
    </p>
  );
}
