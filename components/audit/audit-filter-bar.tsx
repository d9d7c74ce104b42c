"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from "@/lib/audit/audit-actions";
import { auditHref, FILTER_KEYS, hasFilters, type AuditFilters } from "@/components/audit/filters";
import type { Member } from "@/components/team/queries";
import { Button, buttonClasses } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";

type Props = { teamSlug: string; filters: AuditFilters; members: Member[] | undefined };

// Filters live in the URL: Apply navigates, so a filtered view can be shared
// or bookmarked, and Back returns to the previous one.
export function AuditFilterBar({ teamSlug, filters, members }: Props) {
  const router = useRouter();
  const [draft, setDraft] = useState<AuditFilters>(filters);
  const field = (key: (typeof FILTER_KEYS)[number]) => ({
    value: draft[key] ?? "",
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    router.push(auditHref(teamSlug, draft));
  }

  return (
    <form
      role="search"
      aria-label="Filter the audit log"
      onSubmit={onSubmit}
      className="mb-6 space-y-4 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm"
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <SelectField id="audit-actor" label="Actor" {...field("actor")}>
          <option value="">Anyone</option>
          {members?.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {m.user.name} ({m.user.email})
            </option>
          ))}
          {/* A filtered actor who has left the team stays selectable. */}
          {draft.actor && draft.actor !== "system" && members && !members.some((m) => m.user.id === draft.actor) && (
            <option value={draft.actor}>Former member ({draft.actor.slice(0, 8)})</option>
          )}
          <option value="system">System (jobs)</option>
        </SelectField>
        <SelectField id="audit-action" label="Action" {...field("action")}>
          <option value="">Any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
          {draft.action && !(AUDIT_ACTIONS as readonly string[]).includes(draft.action) && <option value={draft.action}>{draft.action}</option>}
        </SelectField>
        <TextField
          id="audit-prefix"
          label="Action starts with"
          placeholder="e.g. deployment."
          autoComplete="off"
          spellCheck={false}
          maxLength={100}
          list="audit-prefixes"
          {...field("prefix")}
        />
        <datalist id="audit-prefixes">
          {AUDIT_ACTION_GROUPS.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
        <SelectField id="audit-type" label="Object type" {...field("type")}>
          <option value="">Any object</option>
          {AUDIT_TARGET_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
          {draft.type && !(AUDIT_TARGET_TYPES as readonly string[]).includes(draft.type) && <option value={draft.type}>{draft.type}</option>}
        </SelectField>
        <TextField id="audit-target" label="Object ID" placeholder="A project, deployment… id" autoComplete="off" spellCheck={false} maxLength={200} {...field("target")} />
        <TextField id="audit-from" label="From" type="date" max={draft.to || undefined} {...field("from")} />
        <TextField id="audit-to" label="To (including)" type="date" min={draft.from || undefined} {...field("to")} />
        <div className="flex items-end gap-2">
          <Button type="submit">Apply filters</Button>
          {hasFilters(filters) && (
            <Link href={auditHref(teamSlug, {})} className={buttonClasses("ghost")}>
              Clear
            </Link>
          )}
        </div>
      </div>
    </form>
  );
}
