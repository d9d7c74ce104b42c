import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";

// A secret shown once, right after it is made (API token, webhook secret):
// read-only, selected on focus, with a copy button.
export function SecretOnceField({ id, label, value, copyLabel, testId }: { id: string; label: string; value: string; copyLabel: string; testId?: string }) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-xs font-medium text-emerald-900">
        {label}
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <input
          id={id}
          data-testid={testId}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
          className="min-w-[14rem] flex-1 rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs text-zinc-900 max-sm:min-w-0"
        />
        <CopyButton value={value} label={copyLabel} />
      </div>
    </div>
  );
}

// The notice a new secret comes in: what was made (`message`), the secret
// once, and "I've copied it" to put it away for good.
export function NewSecretNotice({ message, field, onDone }: { message: ReactNode; field: Parameters<typeof SecretOnceField>[0]; onDone: () => void }) {
  return (
    <div role="status" className="space-y-3 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
      <p>{message}</p>
      <SecretOnceField {...field} />
      <Button variant="secondary" onClick={onDone}>
        I&apos;ve copied it
      </Button>
    </div>
  );
}
