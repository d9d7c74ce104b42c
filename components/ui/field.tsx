import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

const CONTROL =
  "block w-full rounded-md border bg-white px-3 py-2 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 " +
  "disabled:bg-zinc-100 disabled:text-zinc-500";

const controlClasses = (error?: string) =>
  `${CONTROL} ${error ? "border-red-400" : "border-zinc-300 hover:border-zinc-400"}`;

type Common = { id: string; label: string; hint?: ReactNode; error?: string };

// Label, control, hint and error wired together: the label names the control,
// the hint and error describe it, and an error marks it invalid.
function FieldFrame({ id, label, hint, error, children }: Common & { children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800">
        {label}
      </label>
      {children}
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-zinc-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

const describedBy = ({ id, hint, error }: Common) => (error ? `${id}-error` : hint ? `${id}-hint` : undefined);

type TextFieldProps = Common & Omit<InputHTMLAttributes<HTMLInputElement>, "id">;

export function TextField({ id, label, hint, error, className = "", ...input }: TextFieldProps) {
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy({ id, label, hint, error })}
        className={`${controlClasses(error)} ${className}`}
        {...input}
      />
    </FieldFrame>
  );
}

type SelectFieldProps = Common & Omit<SelectHTMLAttributes<HTMLSelectElement>, "id">;

export function SelectField({ id, label, hint, error, className = "", children, ...select }: SelectFieldProps) {
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy({ id, label, hint, error })}
        className={`${controlClasses(error)} ${className}`}
        {...select}
      >
        {children}
      </select>
    </FieldFrame>
  );
}

type TextAreaFieldProps = Common & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "id">;

export function TextAreaField({ id, label, hint, error, className = "", ...textarea }: TextAreaFieldProps) {
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <textarea
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy({ id, label, hint, error })}
        className={`${controlClasses(error)} ${className}`}
        {...textarea}
      />
    </FieldFrame>
  );
}

export const selectClasses = controlClasses;
