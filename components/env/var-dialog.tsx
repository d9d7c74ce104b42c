"use client";

import { useState, type FormEvent } from "react";
import { ENVIRONMENT_LABELS, isPublicKey } from "@/lib/env-vars/env-rules";
import { type EnvChange, type Environment, type WorkingRow } from "@/lib/ui/env-editor";
import { changeFromForm, effectiveMutable, effectiveSensitive, emptyForm, formOf, formProblems, type VarForm } from "@/lib/ui/env-var-form";
import { Checkbox, TargetCheckboxes } from "@/components/env/fields";
import { TextAreaField } from "@/components/ui/field";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";

type Props = {
  // null: add a variable; a row: edit it.
  editing: WorkingRow | null;
  initialEnv: Environment;
  rows: WorkingRow[];
  // Stages the change; returns why it was refused, or null.
  onStage: (change: EnvChange) => string | null;
  onClose: () => void;
};

// Add or edit one variable. Nothing is saved here: the change joins the
// unsaved changes, and Save sends them all at once.
export function VarDialog({ editing, initialEnv, rows, onStage, onClose }: Props) {
  const [form, setForm] = useState<VarForm>(() => (editing ? formOf(editing) : emptyForm(initialEnv)));
  const [problems, setProblems] = useState<Partial<Record<keyof VarForm, string>>>({});
  const [refused, setRefused] = useState<string | null>(null);
  const set = (patch: Partial<VarForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setRefused(null);
  };
  const key = form.key.trim();
  const isPublic = isPublicKey(key);
  const isOverride = editing !== null && editing.branch !== null;
  const previewOnly = form.targets.length === 1 && form.targets[0] === "preview";

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = formProblems(form, editing);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const change = changeFromForm(form, editing);
    if (!change) return onClose();
    const refusal = onStage(change);
    if (refusal) setRefused(refusal);
    else onClose();
  }

  const replaced = editing ? [] : replacedRows(rows, key, form.branch.trim() || null, form.targets);
  const replaces = form.targets.filter((t) => replaced.some((r) => r.targets.includes(t)));
  const unhides = replaced.some((r) => r.sensitive) && !effectiveSensitive(form) && !isPublic;
  return (
    <Dialog
      title={editing ? `Edit ${editing.key}` : "Add a variable"}
      description="The change joins your unsaved changes; nothing is stored until you click Save."
      onClose={onClose}
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label={editing ? `Edit ${editing.key}` : "Add a variable"}>
        {refused && <Alert tone="error">{refused}</Alert>}
        <TextField
          id="env-key"
          label="Key"
          value={form.key}
          onChange={(e) => set({ key: e.target.value })}
          disabled={editing !== null}
          error={problems.key}
          hint={editing ? "To rename a variable, add the new key and delete this one." : "Letters, digits and _, not starting with a digit."}
          placeholder="API_URL"
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          data-autofocus={editing ? undefined : true}
        />
        <TextAreaField
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          id="env-value"
          label="Value"
          rows={3}
          value={form.value}
          onChange={(e) => set({ value: e.target.value })}
          error={problems.value}
          placeholder={editing?.sensitive ? "Enter a new value to replace it" : undefined}
          hint={editing?.sensitive ? "The current value is write-only and never shown. Leave this empty to keep it." : undefined}
          data-autofocus={editing ? true : undefined}
        />
        {replaces.length > 0 && (
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="env-replaces">
            <span className="font-mono">{key}</span> already has a value for {replaces.map((e) => ENVIRONMENT_LABELS[e]).join(" and ")}; this
            replaces it.{unhides && " That value is sensitive: tick Sensitive to keep the new one write-only too."}
          </p>
        )}
        <TargetCheckboxes idPrefix="env-targets" value={form.targets} onChange={(targets) => set({ targets })} locked={isOverride} error={problems.targets} />
        <TextField
          id="env-branch"
          label="Branch override (Preview only, optional)"
          value={form.branch}
          onChange={(e) => set({ branch: e.target.value })}
          disabled={editing !== null || !previewOnly}
          error={problems.branch}
          hint={
            editing
              ? isOverride
                ? "This value applies to Preview deployments of this branch only."
                : "This value applies to every deployment of its environments."
              : previewOnly
                ? "Give a branch to use this value for that branch's Preview deployments only; leave empty for all."
                : "For a branch override, choose Preview alone."
          }
          placeholder={editing === null && previewOnly ? "feature/login" : undefined}
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
        />
        <Checkbox
          id="env-sensitive"
          label="Sensitive"
          checked={effectiveSensitive(form)}
          disabled={isPublic}
          onChange={(e) => set({ sensitive: e.target.checked })}
          hint={
            isPublic
              ? `${key} starts with a public prefix, so it is exposed to the browser and cannot be sensitive.`
              : "Write-only: the value can be replaced but never read back, and is masked in build logs."
          }
        />
        <Checkbox
          id="env-mutable"
          label="Mutable"
          checked={effectiveMutable(form)}
          disabled={isPublic}
          onChange={(e) => set({ mutable: e.target.checked })}
          hint={
            isPublic
              ? `${key} is compiled into the browser's code by the build, so only a new deployment can change it.`
              : "A new value reaches running server deployments without a rebuild: their instances restart with it one at a time. Other changes take effect with the next deployment."
          }
        />
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit">{editing ? "Update variable" : "Add variable"}</Button>
        </div>
      </form>
    </Dialog>
  );
}

// The rows whose value for some of these environments a new value for this key and branch replaces.
function replacedRows(rows: WorkingRow[], key: string, branch: string | null, targets: Environment[]): WorkingRow[] {
  return rows.filter((r) => r.state !== "deleted" && r.key === key && r.branch === branch && r.targets.some((t) => targets.includes(t)));
}
