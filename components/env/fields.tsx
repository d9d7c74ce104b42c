import type { InputHTMLAttributes, ReactNode } from "react";
import { ENVIRONMENT_LABELS, ENVIRONMENTS } from "@/lib/env-vars/env-rules";
import type { Environment } from "@/lib/ui/env-editor";

type CheckboxProps = { id: string; label: ReactNode; hint?: ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "type">;

// A checkbox with its label beside it and an optional line of explanation under it.
export function Checkbox({ id, label, hint, ...input }: CheckboxProps) {
  return (
    <div className="flex items-start gap-2.5">
      <input
        id={id}
        type="checkbox"
        aria-describedby={hint ? `${id}-hint` : undefined}
        className="mt-0.5 size-4 shrink-0 rounded border-zinc-300 accent-accent-600 disabled:opacity-50"
        {...input}
      />
      <div className="min-w-0">
        <label htmlFor={id} className={`text-sm font-medium ${input.disabled ? "text-zinc-500" : "text-zinc-800"}`}>
          {label}
        </label>
        {hint && (
          <p id={`${id}-hint`} className="text-xs text-zinc-500">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

type TargetsProps = {
  idPrefix: string;
  value: Environment[];
  onChange: (value: Environment[]) => void;
  // Environments that cannot be switched (a branch override is Preview only).
  locked?: boolean;
  error?: string;
};

// The three environments as checkboxes in a fieldset named "Environments".
export function TargetCheckboxes({ idPrefix, value, onChange, locked = false, error }: TargetsProps) {
  const toggle = (env: Environment, on: boolean) => onChange(on ? ENVIRONMENTS.filter((e) => e === env || value.includes(e)) : value.filter((e) => e !== env));
  return (
    <fieldset aria-describedby={error ? `${idPrefix}-error` : undefined} className="min-w-0">
      <legend className="mb-1.5 text-sm font-medium text-zinc-800">Environments</legend>
      <div className="flex flex-wrap gap-x-5 gap-y-2">
        {ENVIRONMENTS.map((env) => (
          <label key={env} className="flex items-center gap-2 text-sm text-zinc-800">
            <input
              type="checkbox"
              checked={value.includes(env)}
              disabled={locked}
              onChange={(e) => toggle(env, e.target.checked)}
              className="size-4 rounded border-zinc-300 accent-accent-600 disabled:opacity-50"
            />
            {ENVIRONMENT_LABELS[env]}
          </label>
        ))}
      </div>
      {error && (
        <p id={`${idPrefix}-error`} className="mt-1.5 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
