"use client";

import { useState, type FormEvent } from "react";
import { isApiError } from "@/components/lib/api-fetch";
import { useUpdateProjectSettings } from "@/components/projects/queries";
import { SettingsSection } from "@/components/projects/settings/settings-section";
import type { Project } from "@/components/projects/types";
import { TextAreaField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

// The project's egress allow list: host:port entries (one a line) that the
// sandboxed migrate step and functions may reach besides the internet.
const entriesOf = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

export function NetworkSettingsForm({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const update = useUpdateProjectSettings(project.slug);
  const [text, setText] = useState(() => project.egressAllow.join("\n"));
  const fields = isApiError(update.error) ? update.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    update.mutate({ egressAllow: entriesOf(text) }, { onSuccess: (saved) => setText(saved.egressAllow.join("\n")) });
  }

  return (
    <SettingsSection
      id="network-settings"
      title="Network"
      description={
        <>
          Builds and functions run in a sandbox that reaches the internet but not this server or your private network.
          To let the <span className="font-mono">migrate</span> step and functions reach your app&apos;s own database
          here, list its address. Slipway&apos;s own ports cannot be opened.
        </>
      }
      canEdit={canEdit}
      onSubmit={onSubmit}
      pending={update.isPending}
      dirty={entriesOf(text).join("\n") !== project.egressAllow.join("\n")}
      saved={update.isSuccess}
      saveLabel="Save network settings"
    >
      <FormError error={update.error} fields={fields} shownFields={["egressAllow"]} />
      <TextAreaField
        id="egressAllow"
        label="Allowed addresses"
        value={text}
        onChange={(e) => setText(e.target.value)}
        error={fields.egressAllow}
        rows={3}
        placeholder={"127.0.0.1:5432\n10.0.0.5:6379"}
        hint="One IP address (or localhost) and port a line, e.g. 127.0.0.1:5432. Running functions pick up a change when they restart."
        spellCheck={false}
        autoComplete="off"
        className="font-mono"
      />
    </SettingsSection>
  );
}
