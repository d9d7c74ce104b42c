"use client";

import { useState, type FormEvent } from "react";
import { ENVIRONMENT_LABELS, ENVIRONMENTS } from "@/lib/env-vars/env-rules";
import { parseDotenv, type DotenvError } from "@/lib/env-vars/parse-dotenv";
import { type EnvChange, type EnvChangePreview, type Environment, type SetChange } from "@/lib/ui/env-editor";
import { bulkChanges, changedOnly } from "@/lib/ui/env-var-form";
import { Checkbox } from "@/components/env/fields";
import { TextAreaField } from "@/components/ui/field";
import { useEnvDryRun } from "@/components/env/queries";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";

type Props = {
  slug: string;
  initialEnv: Environment;
  // Stages the changes; returns why they were refused, or null.
  onStage: (changes: EnvChange[]) => string | null;
  onClose: () => void;
};

type Checked = { changes: SetChange[]; preview: EnvChangePreview[]; publicKeys: string[] };

const EXAMPLE = "API_URL=https://api.example.com\n# comments, export and quotes are fine\nexport GREETING=\"Hello\"";

// Paste a .env file, see what it would change (parsed here, compared with the
// stored values by a dry run on the server), then add those changes to the
// unsaved ones. Any edit of the inputs asks for a new preview.
export function BulkPasteDialog({ slug, initialEnv, onStage, onClose }: Props) {
  const [text, setText] = useState("");
  const [env, setEnv] = useState<Environment>(initialEnv);
  const [branch, setBranch] = useState("");
  const [sensitive, setSensitive] = useState(false);
  const [lineErrors, setLineErrors] = useState<DotenvError[]>([]);
  const [checked, setChecked] = useState<Checked | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [nothing, setNothing] = useState(false);
  const dryRun = useEnvDryRun(slug);

  const edit = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setChecked(null);
    setLineErrors([]);
    setRefused(null);
    setNothing(false);
    dryRun.reset();
  };

  function onPreview(e: FormEvent) {
    e.preventDefault();
    const parsed = parseDotenv(text);
    setLineErrors(parsed.errors);
    setNothing(parsed.errors.length === 0 && parsed.entries.length === 0);
    setChecked(null);
    if (parsed.errors.length > 0 || parsed.entries.length === 0) return;
    const { changes, publicKeys } = bulkChanges(parsed.entries, { env, branch, sensitive });
    dryRun.mutate(changes, { onSuccess: (preview) => setChecked({ changes, preview, publicKeys }) });
  }

  function onApply() {
    if (!checked) return;
    const refusal = onStage(changedOnly(checked.changes, checked.preview));
    if (refusal) setRefused(refusal);
    else onClose();
  }

  const toApply = checked ? changedOnly(checked.changes, checked.preview).length : 0;
  return (
    <Dialog title="Paste a .env file" description="Preview shows what it would change; Apply adds those changes to your unsaved ones, and Save stores them." onClose={onClose} wide>
      <form onSubmit={onPreview} noValidate className="space-y-4" aria-label="Paste a .env file">
        <TextAreaField
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          id="env-bulk-text"
          label=".env file contents"
          rows={7}
          value={text}
          onChange={(e) => edit(setText)(e.target.value)}
          placeholder={EXAMPLE}
          error={nothing ? "There are no KEY=value lines to add." : undefined}
          data-autofocus
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField id="env-bulk-env" label="Environment" value={env} onChange={(e) => edit(setEnv)(e.target.value as Environment)}>
            {ENVIRONMENTS.map((e) => (
              <option key={e} value={e}>
                {ENVIRONMENT_LABELS[e]}
              </option>
            ))}
          </SelectField>
          <TextField
            id="env-bulk-branch"
            label="Branch override (Preview only, optional)"
            value={env === "preview" ? branch : ""}
            onChange={(e) => edit(setBranch)(e.target.value)}
            disabled={env !== "preview"}
            placeholder={env === "preview" ? "feature/login" : undefined}
            className="font-mono"
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <Checkbox
          id="env-bulk-sensitive"
          label="Mark them all sensitive"
          checked={sensitive}
          onChange={(e) => edit(setSensitive)(e.target.checked)}
          hint="Write-only values. Keys with a public prefix (PUBLIC_, VITE_, NEXT_PUBLIC_) stay readable: they reach the browser anyway. Left off, a value that replaces a sensitive one stays sensitive."
        />
        {lineErrors.length > 0 && (
          <Alert tone="error">
            <p className="font-medium">
              {lineErrors.length === 1 ? "The file has a problem" : `The file has ${lineErrors.length} problems`}; nothing was added.
            </p>
            <ul className="mt-1 list-disc space-y-0.5 pl-5" data-testid="env-bulk-line-errors">
              {lineErrors.map((l) => (
                <li key={l.line}>{l.message}</li>
              ))}
            </ul>
          </Alert>
        )}
        {dryRun.error && <Alert tone="error">{dryRun.error.message}</Alert>}
        {refused && <Alert tone="error">{refused}</Alert>}
        {checked && <PreviewTable checked={checked} />}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={checked ? "secondary" : "primary"} pending={dryRun.isPending} disabled={text.trim() === ""}>
            Preview
          </Button>
          {checked && (
            <Button onClick={onApply} disabled={toApply === 0}>
              {toApply === 0 ? "Nothing to change" : `Apply ${toApply} ${toApply === 1 ? "change" : "changes"}`}
            </Button>
          )}
        </div>
      </form>
    </Dialog>
  );
}

const ACTION_LABEL: Record<EnvChangePreview["action"], string> = { added: "Added", updated: "Updated", unchanged: "Unchanged", deleted: "Deleted" };
const ACTION_TONE: Record<EnvChangePreview["action"], string> = {
  added: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  updated: "bg-amber-50 text-amber-900 ring-amber-200",
  unchanged: "bg-zinc-50 text-zinc-600 ring-zinc-200",
  deleted: "bg-red-50 text-red-800 ring-red-200",
};

function PreviewTable({ checked }: { checked: Checked }) {
  const count = (action: EnvChangePreview["action"]) => checked.preview.filter((p) => p.action === action).length;
  return (
    <div className="space-y-2" data-testid="env-bulk-preview">
      <p className="text-sm text-zinc-700" role="status">
        {count("added")} added, {count("updated")} updated, {count("unchanged")} unchanged.
      </p>
      {checked.publicKeys.length > 0 && (
        <p className="text-xs text-zinc-600">
          Not sensitive, because they are exposed to the browser: <span className="font-mono">{checked.publicKeys.join(", ")}</span>.
        </p>
      )}
      <div className="max-h-64 overflow-auto rounded-md border border-zinc-200">
        <table className="w-full text-left text-sm">
          <thead className="sticky top-0 border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Key</th>
              <th scope="col" className="w-28 px-3 py-2 font-medium">Change</th>
              <th scope="col" className="w-24 px-3 py-2 font-medium">Sensitive</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200">
            {checked.preview.map((p) => (
              <tr key={`${p.key}\0${p.branch ?? ""}`} data-key={p.key} data-action={p.action}>
                <td className="px-3 py-2 font-mono text-xs [overflow-wrap:anywhere] text-zinc-900">{p.key}</td>
                <td className="px-3 py-2">
                  <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${ACTION_TONE[p.action]}`}>
                    {ACTION_LABEL[p.action]}
                  </span>
                </td>
                <td className="px-3 py-2 text-xs text-zinc-600">{p.sensitive ? "Yes" : "No"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
