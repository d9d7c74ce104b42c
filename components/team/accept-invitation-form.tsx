"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { isApiError } from "@/components/lib/api-fetch";
import { useAcceptInvitation } from "@/components/team/queries";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-error";
import { TextField } from "@/components/ui/field";
import { useHydrated } from "@/components/ui/use-hydrated";

export function AcceptInvitationForm({ token }: { token: string }) {
  const hydrated = useHydrated();
  const router = useRouter();
  const accept = useAcceptInvitation();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const error = accept.error;
  const fields = isApiError(error) ? error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    accept.mutate({ token, name, password }, { onSuccess: () => router.push("/signin?joined=1") });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {isApiError(error, "not_found") || fields.token ? (
        <Alert tone="error">
          This invitation link is not valid any more: it was used already or it expired. Ask your team admin for a new
          one.
        </Alert>
      ) : (
        <FormError error={error} fields={fields} shownFields={["name", "password"]} />
      )}
      <TextField
        id="name"
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={fields.name}
        autoComplete="name"
        maxLength={80}
        required
        autoFocus
      />
      <TextField
        id="password"
        label="Password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={fields.password}
        hint="At least 12 characters. If you already have a Slipway account with this email, enter its password."
        autoComplete="new-password"
        minLength={12}
        required
      />
      <Button type="submit" pending={accept.isPending} disabled={!hydrated} className="w-full">
        Join team
      </Button>
    </form>
  );
}
