import type { RolloutFieldErrors, RolloutFormValues } from "@/lib/ui/rollout-settings-form";
import { TextAreaField } from "@/components/ui/field";
import { TextField } from "@/components/ui/field";

type Props = { values: RolloutFormValues; set: (patch: Partial<RolloutFormValues>) => void; errors: RolloutFieldErrors };

// Requests the worker sends to both versions during a rollout, so an app with
// little traffic of its own still reaches a verdict.
export function SyntheticChecksFields({ values, set, errors }: Props) {
  return (
    <fieldset className="min-w-0 space-y-4 rounded-md border border-zinc-200 bg-zinc-50/60 p-4">
      {/* Floated, the legend sits inside the box rather than on its border. */}
      <legend className="float-left w-full text-sm font-semibold text-zinc-900">Synthetic checks</legend>
      <div className="clear-both flex gap-2.5">
        <input
          id="synthetic-enabled"
          type="checkbox"
          checked={values.syntheticEnabled}
          onChange={(e) => set({ syntheticEnabled: e.target.checked })}
          aria-describedby="synthetic-enabled-hint"
          className="mt-0.5 size-4 shrink-0 accent-accent-600"
        />
        <div>
          <label htmlFor="synthetic-enabled" className="block text-sm font-medium text-zinc-900">
            Send synthetic requests during a rollout
          </label>
          <p id="synthetic-enabled-hint" className="text-xs text-zinc-600">
            For apps with little traffic: every second, Slipway requests these paths from the new version and from
            the live one, so each window has enough samples for a verdict.
          </p>
        </div>
      </div>
      {values.syntheticEnabled && (
        <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <TextAreaField
            id="synthetic-paths"
            label="Paths"
            value={values.syntheticPaths}
            onChange={(e) => set({ syntheticPaths: e.target.value })}
            error={errors.syntheticPaths}
            hint='One per line, each starting with "/", e.g. /api/health.'
            rows={3}
            spellCheck={false}
            className="font-mono"
          />
          <TextField
            id="synthetic-rps"
            label="Requests per second"
            value={values.syntheticRequestsPerSec}
            onChange={(e) => set({ syntheticRequestsPerSec: e.target.value })}
            error={errors.syntheticRequestsPerSec}
            hint="To each version, 1 to 50."
            inputMode="numeric"
            autoComplete="off"
          />
        </div>
      )}
    </fieldset>
  );
}
