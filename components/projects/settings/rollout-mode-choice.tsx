import type { RolloutMode } from "@/lib/ui/rollout-settings-form";

type Option = { mode: RolloutMode; label: string; description: string };

type Props = { value: RolloutMode; onChange: (mode: RolloutMode) => void; defaultsSummary: string };

// Stages of its own, none at all, or Slipway's defaults.
export function RolloutModeChoice({ value, onChange, defaultsSummary }: Props) {
  const options: Option[] = [
    { mode: "canary", label: "Canary stages", description: "Shift traffic in the stages below, compare with the live version, roll back if worse." },
    { mode: "skip", label: "Skip", description: "Every deploy goes live at once: no stages, no comparison, no automatic rollback." },
    { mode: "default", label: "Use the defaults", description: defaultsSummary },
  ];
  return (
    <fieldset>
      <legend className="mb-1.5 text-sm font-medium text-zinc-800">Rollout</legend>
      <div className="grid gap-2 md:grid-cols-3">
        {options.map(({ mode, label, description }) => (
          <label
            key={mode}
            htmlFor={`rollout-mode-${mode}`}
            className={`flex cursor-pointer gap-2.5 rounded-md border p-3 text-sm has-disabled:cursor-default ${
              value === mode ? "border-accent-500 bg-accent-50" : "border-zinc-300 bg-white hover:border-zinc-400"
            }`}
          >
            <input
              id={`rollout-mode-${mode}`}
              type="radio"
              name="rolloutMode"
              value={mode}
              checked={value === mode}
              onChange={() => onChange(mode)}
              aria-labelledby={`rollout-mode-${mode}-label`}
              aria-describedby={`rollout-mode-${mode}-description`}
              className="mt-0.5 accent-accent-600"
            />
            <span>
              <span id={`rollout-mode-${mode}-label`} className="block font-medium text-zinc-900">
                {label}
              </span>
              <span id={`rollout-mode-${mode}-description`} className="block text-xs text-zinc-600">
                {description}
              </span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
