"use client";

import { useState, type FormEvent } from "react";
import type { Role } from "@/lib/generated/prisma/enums";
import { isApiError } from "@/components/lib/api-fetch";
import { InviteLink } from "@/components/team/invite-link";
import { useInviteMember, type CreatedInvitation } from "@/components/team/queries";
import { ROLE_LABEL, assignableRoles } from "@/components/team/roles";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-error";
import { SelectField, TextField } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";

export function InviteForm({ teamId, actorRole }: { teamId: string; actorRole: Role }) {
  const invite = useInviteMember(teamId);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  // The token is returned once; it lives only in this component's state.
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const fields = isApiError(invite.error) ? invite.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    invite.mutate(
      { email, role },
      {
        onSuccess: (invitation) => {
          setCreated(invitation);
          setEmail("");
        },
      },
    );
  }

  return (
    <Panel className="space-y-4 p-5">
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError error={invite.error} fields={fields} shownFields={["email", "role"]} />
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_12rem_auto] sm:items-start">
          <TextField
            id="invite-email"
            label="Email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fields.email}
            autoComplete="off"
            placeholder="teammate@example.com"
            required
          />
          <SelectField
            id="invite-role"
            label="Role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            error={fields.role}
          >
            {assignableRoles(actorRole).map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </SelectField>
          <Button type="submit" pending={invite.isPending} className="sm:mt-6.5">
            Send invitation
          </Button>
        </div>
        <p className="text-xs text-zinc-500">
          Viewers see projects and deployments. Developers also create projects and deploy. Admins also manage
          members.
        </p>
      </form>
      {created && <InviteLink invitation={created} />}
    </Panel>
  );
}
