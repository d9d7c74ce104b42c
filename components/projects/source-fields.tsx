"use client";

import type { SourceKind } from "@/lib/generated/prisma/enums";
import type { FieldErrors } from "@/components/lib/api-fetch";
import { TextField } from "@/components/ui/field";

const KINDS: { kind: SourceKind; label: string; description: string }[] = [
  { kind: "git", label: "Git repository", description: "Slipway clones the repository and builds a commit." },
  { kind: "archive", label: "Upload archives", description: "You upload an archive of the app's source for each deploy." },
  { kind: "directory", label: "Example app", description: "Build one of the example apps that ship with Slipway." },
];

export type SourceValues = { sourceKind: SourceKind; gitUrl: string; productionBranch: string; sourcePath: string };

type Props = { value: SourceValues; onChange: (next: SourceValues) => void; errors: FieldErrors };

export function SourceFields({ value, onChange, errors }: Props) {
  const set = (patch: Partial<SourceValues>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="space-y-3">
      <legend className="mb-1.5 text-sm font-medium text-zinc-800">Source</legend>
      <div className="grid gap-2 sm:grid-cols-3">
        {KINDS.map(({ kind, label, description }) => (
          <label
            key={kind}
            htmlFor={`source-${kind}`}
            className={`flex cursor-pointer gap-2.5 rounded-md border p-3 text-sm ${
              value.sourceKind === kind ? "border-accent-500 bg-accent-50" : "border-zinc-300 bg-white hover:border-zinc-400"
            }`}
          >
            <input
              id={`source-${kind}`}
              type="radio"
              name="sourceKind"
              value={kind}
              checked={value.sourceKind === kind}
              onChange={() => set({ sourceKind: kind })}
              aria-labelledby={`source-${kind}-label`}
              aria-describedby={`source-${kind}-description`}
              className="mt-0.5 accent-accent-600"
            />
            <span>
              <span id={`source-${kind}-label`} className="block font-medium text-zinc-900">
                {label}
              </span>
              <span id={`source-${kind}-description`} className="block text-xs text-zinc-600">
                {description}
              </span>
            </span>
          </label>
        ))}
      </div>
      {errors.sourceKind && <p className="text-xs font-medium text-red-700">{errors.sourceKind}</p>}
      {value.sourceKind === "git" && (
        <div className="grid gap-4 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <TextField
            id="gitUrl"
            label="Repository URL"
            value={value.gitUrl}
            onChange={(e) => set({ gitUrl: e.target.value })}
            error={errors.gitUrl}
            placeholder="https://github.com/acme/web.git"
            spellCheck={false}
            className="font-mono"
          />
          <TextField
            id="productionBranch"
            label="Production branch"
            value={value.productionBranch}
            onChange={(e) => set({ productionBranch: e.target.value })}
            error={errors.productionBranch}
            spellCheck={false}
            className="font-mono"
          />
        </div>
      )}
      {value.sourceKind === "directory" && (
        <TextField
          id="sourcePath"
          label="Example app directory"
          value={value.sourcePath}
          onChange={(e) => set({ sourcePath: e.target.value })}
          error={errors.sourcePath}
          hint="A directory under examples/ in the Slipway installation."
          spellCheck={false}
          className="font-mono"
        />
      )}
    </fieldset>
  );
}
