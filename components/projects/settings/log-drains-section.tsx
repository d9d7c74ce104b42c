"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { CreatedDrain } from "@/lib/drains/create-drain";
import type { DrainView } from "@/lib/drains/drain-view";
import type { DrainList } from "@/lib/drains/list-drains";
import { apiFetch } from "@/components/lib/api-fetch";
import { projectKeys } from "@/components/projects/queries";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { TextField } from "@/components/ui/field";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { NewSecretNotice } from "@/components/ui/secret-once-field";

const drainKeys = { list: (slug: string) => [...projectKeys.detail(slug), "drains"] as const };
// Deliveries move every second; their state here every 5 s.
const REFRESH_MS = 5000;

// Log drains: the project's runtime logs, also sent to an endpoint of the
// team's (NDJSON, signed). Admins add and remove them, and see how deliveries go.
export function LogDrainsSection({ slug, canEdit }: { slug: string; canEdit: boolean }) {
  return (
    <section aria-labelledby="drains-title">
      <SectionTitle id="drains-title">Log drains</SectionTitle>
      <p className="-mt-1.5 mb-3 max-w-3xl text-sm text-zinc-600">
        Every request line and every line the code writes, also sent to your own endpoint as they happen: NDJSON over
        HTTPS, in batches, each request signed with the drain&apos;s secret (header <span className="font-mono">x-slipway-signature</span>, HMAC-SHA256 of
        the timestamp, a dot and the body). An endpoint that fails is retried with backoff; nothing is lost while it is
        away, for as long as the logs are kept.
      </p>
      <Panel className="p-5 sm:p-6">{canEdit ? <ManageDrains slug={slug} /> : <p className="text-sm text-zinc-700">Team admins and owners see and manage log drains.</p>}</Panel>
    </section>
  );
}

function ManageDrains({ slug }: { slug: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: drainKeys.list(slug), queryFn: () => apiFetch<DrainList>(`/api/projects/${encodeURIComponent(slug)}/drains`), refetchInterval: REFRESH_MS });
  const [url, setUrl] = useState("");
  const [created, setCreated] = useState<CreatedDrain | null>(null);
  const [removing, setRemoving] = useState<DrainView | null>(null);
  const add = useMutation({
    mutationFn: (body: { url: string }) => apiFetch<CreatedDrain>(`/api/projects/${encodeURIComponent(slug)}/drains`, { method: "POST", body }),
    onSuccess: (result) => {
      setCreated(result);
      setUrl("");
      void queryClient.invalidateQueries({ queryKey: drainKeys.list(slug) });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/drains/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => {
      setRemoving(null);
      return queryClient.invalidateQueries({ queryKey: drainKeys.list(slug) });
    },
  });
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    add.mutate({ url });
  }
  return (
    <div className="space-y-5">
      {list.isPending ? (
        <Loading label="Loading log drains" rows={1} />
      ) : list.isError ? (
        <LoadError title="The log drains could not be loaded." error={list.error} onRetry={() => list.refetch()} />
      ) : list.data.drains.length === 0 ? (
        <p className="text-sm text-zinc-600">No drains: the logs stay in Slipway only.</p>
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label="Log drains">
          {list.data.drains.map((d) => (
            <DrainRow
              key={d.id}
              drain={d}
              onRemove={() => {
                remove.reset();
                setRemoving(d);
              }}
            />
          ))}
        </ul>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove this log drain?"
          confirmLabel="Remove drain"
          cancelLabel="Keep it"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(removing.id)}
          onClose={() => setRemoving(null)}
        >
          Nothing more is sent to <span className="font-mono break-all">{removing.url}</span>. Lines it has not received yet are not sent; the logs stay in Slipway.
        </ConfirmDialog>
      )}
      {created && (
        <NewSecretNotice
          message={
            <>
              Drain added; it sends every new line from now on. <strong className="font-medium">Copy its signing secret now: it won&apos;t be shown again.</strong>
            </>
          }
          field={{ id: "drain-secret", label: "Signing secret", value: created.secret, copyLabel: "Copy secret" }}
          onDone={() => setCreated(null)}
        />
      )}
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 border-t border-zinc-200 pt-5" aria-label="Add a log drain">
        <div className="min-w-64 flex-1">
          <TextField
            id="drain-url"
            label="Endpoint URL"
            placeholder="https://logs.example.com/ingest"
            type="url"
            required
            autoComplete="off"
            spellCheck={false}
            maxLength={2048}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            error={add.error?.message}
          />
        </div>
        <Button type="submit" pending={add.isPending}>
          Add drain
        </Button>
      </form>
    </div>
  );
}

function DrainRow({ drain: d, onRemove }: { drain: DrainView; onRemove: () => void }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="drain">
      <div className="min-w-0 space-y-1 text-sm">
        <p className="font-mono text-xs break-all text-zinc-900">{d.url}</p>
        <p className="text-xs text-zinc-600" data-testid="drain-state">
          {d.failures > 0 ? (
            <span className="text-red-700">
              Failing ({d.failures} in a row): {d.lastError} Next try {d.nextAttemptAt ? <RelativeTime value={d.nextAttemptAt} /> : "soon"}.
            </span>
          ) : d.lastDeliveredAt ? (
            <>
              Delivering: {d.delivered.toLocaleString("en")} lines so far, the last <RelativeTime value={d.lastDeliveredAt} />.
            </>
          ) : (
            "Waiting for the first lines."
          )}
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={onRemove} aria-haspopup="dialog">
        Remove
      </Button>
    </li>
  );
}
