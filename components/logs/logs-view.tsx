"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { LogLines } from "@/components/logs/log-lines";
import { LogsShell } from "@/components/logs/logs-shell";
import { LOG_FILTER_KEYS, logsHref, type LogFilters } from "@/components/logs/filters";
import { useLogPages, useLogTail } from "@/components/logs/queries";
import { isApiError } from "@/components/lib/api-fetch";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { SelectField, TextField } from "@/components/ui/field";
import { LoadError, Loading } from "@/components/ui/query-state";

// A project's runtime logs (or one deployment's): every request the router
// served and every line its code wrote, newest first, live until paused.
export function LogsView({ slug, filters }: { slug: string; filters: LogFilters }) {
  return (
    <LogsShell
      slug={slug}
      current="Logs"
      title="Logs"
      description={filters.deployment ? `Deployment ${filters.deployment.slice(0, 8)}: its requests and what its code wrote.` : "Every request the router served and every line the code wrote, with the deployment and SHA."}
    >
      {/* A new key per filter set: the draft, the pages and the tail start again when the URL changes. */}
      {(projectSlug) => <LogStream key={logsHref(projectSlug, filters)} slug={projectSlug} filters={filters} />}
    </LogsShell>
  );
}

function LogStream({ slug, filters }: { slug: string; filters: LogFilters }) {
  // A time window ends in the past: nothing new can match it, so it is not followed.
  const [live, setLive] = useState(!filters.until);
  const pages = useLogPages(slug, filters);
  const first = pages.data?.pages[0];
  const tail = useLogTail(slug, filters, first ? first.lastId : undefined, live && !filters.until);
  const lines = [...tail.lines, ...(pages.data?.pages.flatMap((page) => page.lines) ?? [])];
  return (
    <>
      <LogFilterBar slug={slug} filters={filters} />
      <div className="mb-3 flex items-center gap-3 text-sm">
        {!filters.until && (
          <Button variant="secondary" size="sm" onClick={() => setLive((v) => !v)} aria-pressed={!live}>
            {live ? "Pause" : "Resume"}
          </Button>
        )}
        <span role="status" className="text-zinc-600">
          {filters.until ? "A past time window: not followed." : live ? "Live: new lines appear at the top." : "Paused: new lines wait until you resume."}
        </span>
        {tail.error && <span className="text-red-700">New lines could not be fetched ({tail.error.message}); retrying.</span>}
      </div>
      <section aria-label="Runtime logs" aria-busy={pages.isFetching || undefined} className="rounded-lg border border-zinc-200 bg-white shadow-sm">
        {pages.isPending ? (
          <Loading label="Loading log lines" rows={6} />
        ) : pages.isError && lines.length === 0 ? (
          isApiError(pages.error, "invalid") ? (
            <div className="p-4">
              <Alert tone="error">These filters do not work: {pages.error.message}</Alert>
            </div>
          ) : (
            <LoadError title="The logs could not be loaded." error={pages.error} onRetry={() => pages.refetch()} />
          )
        ) : lines.length === 0 ? (
          <EmptyState title="No lines yet">{live ? "Requests to this project and the output of its code appear here as they happen." : "Nothing matches these filters."}</EmptyState>
        ) : (
          <LogLines slug={slug} lines={lines} />
        )}
      </section>
      {pages.hasNextPage && (
        <div className="mt-4 flex justify-center">
          <Button variant="secondary" onClick={() => pages.fetchNextPage()} pending={pages.isFetchingNextPage}>
            Load older lines
          </Button>
        </div>
      )}
    </>
  );
}

// Filters live in the URL: Apply navigates, so a view can be shared, and Back returns to the last one.
function LogFilterBar({ slug, filters }: { slug: string; filters: LogFilters }) {
  const router = useRouter();
  const [draft, setDraft] = useState<LogFilters>(filters);
  const field = (key: (typeof LOG_FILTER_KEYS)[number]) => ({
    value: draft[key] ?? "",
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    router.push(logsHref(slug, draft));
  }
  return (
    <form role="search" aria-label="Filter the logs" onSubmit={onSubmit} className="mb-4 space-y-4 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm">
      <div className="grid gap-4 sm:grid-cols-3 lg:grid-cols-6">
        <SelectField id="logs-source" label="Lines" {...field("source")}>
          <option value="">All</option>
          <option value="request">Requests</option>
          <option value="app">Output (stdout and stderr)</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </SelectField>
        <SelectField id="logs-status" label="Status" {...field("status")}>
          <option value="">Any</option>
          <option value="2xx">2xx</option>
          <option value="3xx">3xx</option>
          <option value="4xx">4xx</option>
          <option value="5xx">5xx</option>
        </SelectField>
        <TextField id="logs-path" label="Path starts with" placeholder="/api/" autoComplete="off" spellCheck={false} maxLength={2048} {...field("path")} />
        <TextField id="logs-text" label="Output contains" placeholder="what the code wrote" autoComplete="off" spellCheck={false} maxLength={200} {...field("text")} />
        <TextField id="logs-since" label="Since" placeholder="15m, 2h, 7d or a time" autoComplete="off" spellCheck={false} maxLength={40} {...field("since")} />
        <TextField id="logs-until" label="Until" placeholder="a time" autoComplete="off" spellCheck={false} maxLength={40} {...field("until")} />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit">Apply filters</Button>
        {LOG_FILTER_KEYS.some((k) => k !== "deployment" && filters[k]) && (
          <Button variant="secondary" onClick={() => router.push(logsHref(slug, { deployment: filters.deployment }))}>
            Clear filters
          </Button>
        )}
        {filters.deployment && (
          <Button variant="secondary" onClick={() => router.push(logsHref(slug, { ...filters, deployment: undefined }))}>
            All deployments
          </Button>
        )}
      </div>
    </form>
  );
}
