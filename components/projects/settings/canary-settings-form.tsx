"use client";

import { useState, type FormEvent } from "react";
import type { RolloutSettings } from "@/lib/rollouts/rollout-settings";
import { formatWindow } from "@/lib/ui/rollout-view";
import {
  formValuesFromSettings,
  isUnchanged,
  rolloutFieldErrors,
  settingsFromFormValues,
  type RolloutField,
  type RolloutFieldErrors,
  type RolloutFormValues,
} from "@/lib/ui/rollout-settings-form";
import { isApiError } from "@/components/lib/api-fetch";
import { useUpdateProjectSettings } from "@/components/projects/queries";
import { RolloutModeChoice } from "@/components/projects/settings/rollout-mode-choice";
import { SettingsSection } from "@/components/projects/settings/settings-section";
import { SyntheticChecksFields } from "@/components/projects/settings/synthetic-checks-fields";
import type { Project } from "@/components/projects/types";
import { TextField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

type Props = { project: Project; canEdit: boolean; defaults: RolloutSettings };

const STAGE_FIELDS: RolloutField[] = ["stages", "observationWindowSec", "minSamples", "errorRatePoints", "latencyP95Threshold", "latencyMinDeltaMs", "maxInconclusiveWindows"];

export function CanarySettingsForm({ project, canEdit, defaults }: Props) {
  const update = useUpdateProjectSettings(project.slug);
  const [values, setValues] = useState(() => formValuesFromSettings(project.rolloutSettings, defaults));
  // Problems found before sending; the server's come with update.error.
  const [clientErrors, setClientErrors] = useState<RolloutFieldErrors | null>(null);
  const set = (patch: Partial<RolloutFormValues>) => setValues((v) => ({ ...v, ...patch }));
  const errors = clientErrors ?? (isApiError(update.error) ? rolloutFieldErrors(update.error.fields) : {});
  const summary = clientErrors ? new Error("Check the fields below.") : update.error;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const converted = settingsFromFormValues(values);
    if (!converted.ok) {
      update.reset();
      setClientErrors(converted.errors);
      return;
    }
    setClientErrors(null);
    update.mutate(
      { rolloutSettings: converted.value },
      {
        // Show stages as the server keeps them; after "Skip" or the defaults, keep
        // the stage fields as typed in case the choice changes back.
        onSuccess: ({ rolloutSettings: saved }) =>
          setValues((v) => (typeof saved === "object" && saved !== null ? formValuesFromSettings(saved, defaults) : { ...v, mode: saved ? "skip" : "default" })),
      },
    );
  }

  // Under "Use the defaults" the fields show the defaults, read-only.
  const shown = values.mode === "default" ? formValuesFromSettings(null, defaults) : values;
  const shownFields = values.mode !== "canary" ? [] : values.syntheticEnabled ? [...STAGE_FIELDS, "syntheticPaths", "syntheticRequestsPerSec"] : STAGE_FIELDS;
  return (
    <SettingsSection
      id="canary-settings"
      title="Canary rollouts"
      description={
        <>
          How a new deployment replaces the live one. An app&apos;s <span className="font-mono">slipway.json</span>{" "}
          <span className="font-mono">canary</span> wins over these for the deployments built from it. A project&apos;s
          first deployment and preview deployments always go live at once.
        </>
      }
      canEdit={canEdit}
      onSubmit={onSubmit}
      pending={update.isPending}
      dirty={!isUnchanged(values, project.rolloutSettings, defaults)}
      saved={update.isSuccess}
      saveLabel="Save rollout settings"
    >
      <FormError error={summary} fields={errors} shownFields={shownFields} />
      <RolloutModeChoice
        value={values.mode}
        onChange={(mode) => set({ mode })}
        defaultsSummary={`Slipway's defaults: stages of ${defaults.stages.join(", ")}%, ${formatWindow(defaults.observationWindowSec)} each.`}
      />
      {values.mode !== "skip" && (
        <fieldset disabled={values.mode === "default"} className="min-w-0 space-y-5">
          <legend className="sr-only">Stages and limits</legend>
          <StageFields values={shown} set={set} errors={errors} />
          <SyntheticChecksFields values={shown} set={set} errors={errors} />
        </fieldset>
      )}
    </SettingsSection>
  );
}

type FieldsProps = { values: RolloutFormValues; set: (patch: Partial<RolloutFormValues>) => void; errors: RolloutFieldErrors };

function StageFields({ values, set, errors }: FieldsProps) {
  const field = (name: RolloutField, inputMode: "numeric" | "decimal" | "text") => ({
    id: `rollout-${name}`,
    value: values[name],
    onChange: (e: { target: { value: string } }) => set({ [name]: e.target.value }),
    error: errors[name],
    inputMode,
    autoComplete: "off",
  });
  return (
    <div className="grid gap-5 md:grid-cols-2 lg:grid-cols-3">
      <TextField
        {...field("stages", "text")}
        label="Stages (% of traffic)"
        hint="The new version's share of traffic, stage by stage: rising, ending at 100."
        placeholder="5, 25, 50, 100"
        spellCheck={false}
      />
      <TextField {...field("observationWindowSec", "numeric")} label="Observation window (seconds)" hint="How long each stage is watched before it can pass." />
      <TextField {...field("minSamples", "numeric")} label="Minimum samples" hint="Requests per version a window needs before it can pass." />
      <TextField
        {...field("errorRatePoints", "decimal")}
        label="Error-rate threshold (percentage points)"
        hint="Roll back when the new version's error rate is more than this above the live one's: 2 means 2 points."
      />
      <TextField
        {...field("latencyP95Threshold", "decimal")}
        label="P95 latency threshold (×)"
        hint="Roll back when the new version's P95 latency is more than this many times the live one's…"
      />
      <TextField
        {...field("latencyMinDeltaMs", "decimal")}
        label="P95 latency floor (ms)"
        hint="…and also at least this many milliseconds slower, so a difference nobody notices never rolls back. 0 judges by the ratio alone."
      />
      <TextField
        {...field("maxInconclusiveWindows", "numeric")}
        label="Max inconclusive windows"
        hint="Pause the rollout for a person after this many windows of a stage end with too few requests."
      />
    </div>
  );
}
