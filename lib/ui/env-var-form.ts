// The add/edit and bulk-paste dialogs of the variables editor without the DOM:
// the form's checks, the change a form makes, a pasted .env's changes, and
// which deployment "Redeploy production" rebuilds.
import { isPublicKey } from "@/lib/env-vars/env-rules";
import { sameTargets, sortTargets, type EnvChange, type EnvChangePreview, type Environment, type SetChange, type UpdateChange, type WorkingRow } from "@/lib/ui/env-editor";

// The add/edit dialog's fields. value "" on a sensitive variable means "keep it".
export type VarForm = { key: string; value: string; targets: Environment[]; branch: string; sensitive: boolean; mutable: boolean };

export const emptyForm = (env: Environment): VarForm => ({ key: "", value: "", targets: [env], branch: "", sensitive: false, mutable: false });

export const formOf = (row: WorkingRow): VarForm => ({
  key: row.key,
  value: row.sensitive ? "" : (row.value ?? ""),
  targets: row.targets,
  branch: row.branch ?? "",
  sensitive: row.sensitive,
  mutable: row.mutable,
});

// A public key cannot be sensitive, whatever the toggle said before the key was typed.
export const effectiveSensitive = (form: VarForm) => form.sensitive && !isPublicKey(form.key.trim());
// Nor mutable: the build compiles a public key into the browser's code.
export const effectiveMutable = (form: VarForm) => form.mutable && !isPublicKey(form.key.trim());

// What the dialog refuses before staging. Keys and values are the server's to
// judge (its message names the key); these are the dialog's own rules.
export function formProblems(form: VarForm, editing: WorkingRow | null): Partial<Record<keyof VarForm, string>> {
  const problems: Partial<Record<keyof VarForm, string>> = {};
  if (!editing && form.key.trim() === "") problems.key = "Enter a key, like API_URL.";
  if (form.targets.length === 0) problems.targets = "Choose at least one environment.";
  else if (form.branch.trim() !== "" && !sameTargets(form.targets, ["preview"])) {
    problems.branch = "A branch override applies to Preview only: uncheck Production and Development, or clear the branch.";
  }
  if (editing?.sensitive && !effectiveSensitive(form) && form.value === "") {
    problems.value = "Enter a new value: the current one is write-only, so it cannot be kept when the variable stops being sensitive.";
  }
  return problems;
}

// The change the dialog stages; null when an edit changes nothing.
export function changeFromForm(form: VarForm, editing: WorkingRow | null): EnvChange | null {
  const sensitive = effectiveSensitive(form);
  const mutable = effectiveMutable(form);
  const targets = sortTargets(form.targets);
  if (!editing) {
    const branch = form.branch.trim();
    return { op: "set", key: form.key.trim(), value: form.value, targets, branch: branch === "" ? null : branch, sensitive, mutable };
  }
  const change: UpdateChange = { op: "update", id: editing.id };
  const valueChanged = editing.sensitive ? form.value !== "" : form.value !== (editing.value ?? "");
  if (valueChanged) change.value = form.value;
  if (sensitive !== editing.sensitive) change.sensitive = sensitive;
  if (mutable !== editing.mutable) change.mutable = mutable;
  if (!sameTargets(targets, editing.targets)) change.targets = targets;
  return Object.keys(change).length > 2 ? change : null;
}

// Bulk paste: one "set" per parsed entry. With the toggle on, each is marked
// sensitive, except public keys (the server would refuse them; they are named so
// the dialog can say so). With it off the flag is left out, so a value that
// replaces a sensitive one stays sensitive.
export function bulkChanges(
  entries: { key: string; value: string }[],
  opts: { env: Environment; branch: string; sensitive: boolean },
): { changes: SetChange[]; publicKeys: string[] } {
  const branch = opts.env === "preview" && opts.branch.trim() !== "" ? opts.branch.trim() : null;
  const changes = entries.map(({ key, value }): SetChange => {
    const change: SetChange = { op: "set", key, value, targets: [opts.env], branch };
    return opts.sensitive && !isPublicKey(key) ? { ...change, sensitive: true } : change;
  });
  return { changes, publicKeys: opts.sensitive ? entries.map((e) => e.key).filter(isPublicKey) : [] };
}

// The pasted changes worth staging: those the dry run did not find unchanged.
export function changedOnly(changes: SetChange[], preview: EnvChangePreview[]): SetChange[] {
  const unchanged = new Set(preview.filter((p) => p.action === "unchanged").map((p) => `${p.key}\0${p.branch ?? ""}`));
  return changes.filter((c) => !unchanged.has(`${c.key}\0${c.branch ?? ""}`));
}

type DeploymentLike = { id: string; environment: string; status: string };

// What "Redeploy production" rebuilds: the live production deployment, else the
// newest production one that did not fail or get canceled (the list is newest first, as the API sends it).
export function redeployTarget<D extends DeploymentLike>(deployments: D[]): D | null {
  const production = deployments.filter((d) => d.environment === "production");
  return (
    production.find((d) => d.status === "live") ??
    production.find((d) => d.status !== "failed" && d.status !== "canceled") ??
    null
  );
}
