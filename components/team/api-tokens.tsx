"use client";

import { useState, type FormEvent } from "react";
import type { Role } from "@/lib/generated/prisma/enums";
import { atLeast, ROLES } from "@/lib/auth/roles";
import { isApiError } from "@/components/lib/api-fetch";
import { useProjects } from "@/components/projects/queries";
import {
  useApiTokens,
  useCreateApiToken,
  useRevokeApiToken,
  type ApiToken,
  type CreatedApiToken,
} from "@/components/team/queries";
import { ROLE_LABEL } from "@/components/team/roles";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { SecretOnceField } from "@/components/ui/secret-once-field";
import { EmptyState } from "@/components/ui/empty-state";
import { SelectField, TextField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { useNow } from "@/components/ui/use-now";

const EXPIRY_OPTIONS = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "never", label: "Never" },
];

type Props = { teamId: string; teamName: string; role: Role; canManage: boolean };

// Tokens let the CLI and CI deploy without a browser session. Admins and owners
// create and revoke them; a token never has more access than its creator.
export function ApiTokens({ teamId, teamName, role, canManage }: Props) {
  return (
    <div className="space-y-4">
      <TokenList teamId={teamId} teamName={teamName} canManage={canManage} />
      {canManage && <CreateTokenForm teamId={teamId} role={role} />}
    </div>
  );
}

function TokenList({ teamId, teamName, canManage }: { teamId: string; teamName: string; canManage: boolean }) {
  const query = useApiTokens(teamId);
  const revoke = useRevokeApiToken(teamId);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  if (query.isPending) return <Loading label="Loading API tokens" rows={2} />;
  if (isApiError(query.error, "forbidden")) {
    return <Alert tone="info">Only team admins and owners can see the team&apos;s API tokens.</Alert>;
  }
  if (query.isError) {
    return <LoadError title="API tokens could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  if (query.data.length === 0) {
    return (
      <EmptyState title="No API tokens yet">
        {canManage
          ? "Create one below to deploy from the command line or CI."
          : "A team admin can create one to deploy from the command line or CI."}
      </EmptyState>
    );
  }
  return (
    <>
      {/* relative: keeps the sr-only header text inside the scrolling box on narrow screens. */}
      <div className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm">
        <table className="w-full min-w-[60rem] table-fixed text-left text-sm">
          <colgroup>
            <col />
            <col className="w-[8rem]" />
            <col className="w-[9rem]" />
            <col className="w-[9rem]" />
            <col className="w-[7rem]" />
            <col className="w-[6.5rem]" />
            <col className="w-[7rem]" />
            {canManage && <col className="w-[5.5rem]" />}
          </colgroup>
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500">
            <tr>
              <th scope="col" className="px-4 py-2.5 font-medium">Name</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Token</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Scope</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Created by</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Created</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Expires</th>
              <th scope="col" className="px-3 py-2.5 font-medium">Last used</th>
              {canManage && (
                <th scope="col" className="px-4 py-2.5 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200">
            {query.data.map((t) => (
              <TokenRow key={t.id} token={t} teamName={teamName} canManage={canManage} onRevoke={() => {
                revoke.reset();
                setRevoking(t);
              }} />
            ))}
          </tbody>
        </table>
      </div>
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke token"
          cancelLabel="Keep it"
          pending={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
          onClose={() => setRevoking(null)}
        >
          Anything that uses it, such as a CI job or a script, is refused from now on. This cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}

type RowProps = { token: ApiToken; teamName: string; canManage: boolean; onRevoke: () => void };

function TokenRow({ token: t, teamName, canManage, onRevoke }: RowProps) {
  const now = useNow(true, 60_000);
  const revoked = t.revokedAt !== null;
  const expired = !revoked && t.expiresAt !== null && new Date(t.expiresAt).getTime() <= now;
  return (
    <tr data-testid="api-token" data-token-id={t.id} data-revoked={revoked || undefined} className={revoked ? "text-zinc-500" : ""}>
      <td className="px-4 py-3">
        <p className={`truncate font-medium ${revoked ? "text-zinc-500 line-through" : "text-zinc-900"}`} title={t.name}>
          {t.name}
        </p>
      </td>
      <td className="truncate px-3 py-3 font-mono text-xs text-zinc-700">{t.prefix}…</td>
      <td className="px-3 py-3" data-testid="token-scope">
        <p className="text-zinc-700">{ROLE_LABEL[t.role]}</p>
        <p className="truncate text-xs text-zinc-500" title={`Acts in team ${teamName} only`}>
          in {teamName}
        </p>
      </td>
      <td className="truncate px-3 py-3 text-zinc-700" title={t.createdBy.email}>
        {t.createdBy.name}
      </td>
      <td className="truncate px-3 py-3 text-zinc-600">
        <RelativeTime value={t.createdAt} />
      </td>
      <td className="truncate px-3 py-3 text-zinc-600">
        {revoked ? (
          <Ended label="Revoked" at={t.revokedAt!} />
        ) : expired ? (
          <Ended label="Expired" at={t.expiresAt!} />
        ) : t.expiresAt ? (
          <RelativeTime value={t.expiresAt} />
        ) : (
          "Never"
        )}
      </td>
      <td className="truncate px-3 py-3 text-zinc-600">
        {t.lastUsedAt ? <RelativeTime value={t.lastUsedAt} /> : <span className="text-zinc-500">Never used</span>}
      </td>
      {canManage && (
        <td className="px-4 py-2 text-right">
          {!revoked && (
            <Button variant="danger-secondary" size="sm" onClick={onRevoke} aria-label={`Revoke ${t.name}`} aria-haspopup="dialog">
              Revoke
            </Button>
          )}
        </td>
      )}
    </tr>
  );
}

function Ended({ label, at }: { label: string; at: string }) {
  return (
    <>
      <span className="block font-medium text-red-700">{label}</span>
      <span className="block truncate text-xs">
        <RelativeTime value={at} />
      </span>
    </>
  );
}

function CreateTokenForm({ teamId, role }: { teamId: string; role: Role }) {
  const create = useCreateApiToken(teamId);
  const roles = ROLES.filter((r) => atLeast(role, r));
  const [name, setName] = useState("");
  const [tokenRole, setTokenRole] = useState<Role>(roles.includes("developer") ? "developer" : roles[roles.length - 1]);
  const [expiry, setExpiry] = useState("30");
  // The secret lives only in this component's state: Slipway keeps just a hash.
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const fields = isApiError(create.error) ? create.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate(
      { name: name.trim(), role: tokenRole, expiresInDays: expiry === "never" ? null : Number(expiry) },
      {
        onSuccess: (result) => {
          setCreated(result);
          setName("");
        },
      },
    );
  }

  return (
    <Panel className="space-y-4 p-5">
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError error={create.error} fields={fields} shownFields={["name", "role", "expiresInDays"]} />
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_10rem_9rem] lg:grid-cols-[minmax(0,1fr)_10rem_9rem_auto] lg:items-start">
          <TextField
            id="token-name"
            label="Token name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fields.name}
            placeholder="e.g. GitHub Actions"
            autoComplete="off"
            maxLength={60}
            required
          />
          <SelectField
            id="token-access"
            label="Access level"
            value={tokenRole}
            onChange={(e) => setTokenRole(e.target.value as Role)}
            error={fields.role}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="token-expiry"
            label="Expires after"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
            error={fields.expiresInDays}
          >
            {EXPIRY_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </SelectField>
          <Button type="submit" pending={create.isPending} className="sm:col-span-3 sm:justify-self-start lg:col-span-1 lg:mt-6.5">
            Create token
          </Button>
        </div>
        <p className="text-xs text-zinc-500">
          A token acts with the access level you pick here, in this team only. Developers can deploy; viewers can only
          read.
        </p>
      </form>
      {created && <NewToken created={created} teamId={teamId} onDone={() => setCreated(null)} />}
    </Panel>
  );
}

// Shown once, right after the token is created.
function NewToken({ created, teamId, onDone }: { created: CreatedApiToken; teamId: string; onDone: () => void }) {
  const projects = useProjects();
  const slug = projects.data?.find((p) => p.teamId === teamId)?.slug ?? "<project-slug>";
  // Rendered only after a create in the browser, so window is there.
  const command = `SLIPWAY_URL=${window.location.origin} SLIPWAY_TOKEN=${created.token} npx slipway deploy . --project ${slug}`;
  return (
    <div role="status" className="space-y-3 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
      <p>
        Token <strong className="font-medium">{created.apiToken.name}</strong> created.{" "}
        <strong className="font-medium">Copy it now: it won&apos;t be shown again.</strong>
      </p>
      <SecretOnceField id="new-token" testId="new-token" label="New API token" value={created.token} copyLabel="Copy token" />
      <div className="space-y-1.5">
        <p className="text-xs font-medium">Deploy from a terminal or CI:</p>
        <div className="flex flex-wrap items-start gap-2">
          <code data-testid="new-token-cli" className="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs break-all text-zinc-900 select-all">
            {command}
          </code>
          <CopyButton value={command} label="Copy command" />
        </div>
      </div>
      <Button variant="secondary" onClick={onDone}>
        I&apos;ve copied it
      </Button>
    </div>
  );
}
