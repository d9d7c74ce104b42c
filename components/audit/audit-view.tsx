"use client";

import Link from "next/link";
import { can } from "@/lib/auth/roles";
import { AuditFilterBar } from "@/components/audit/audit-filter-bar";
import { AuditTable } from "@/components/audit/audit-table";
import { auditHref, hasFilters, toApiFilters, type AuditFilters } from "@/components/audit/filters";
import { useAuditEvents } from "@/components/audit/queries";
import { isApiError } from "@/components/lib/api-fetch";
import { useMe, type MyTeam } from "@/components/me/queries";
import { useTeamMembers } from "@/components/team/queries";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { LoadError, Loading } from "@/components/ui/query-state";

type Props = { teamSlug?: string; filters: AuditFilters };

// The team's audit log: who changed what, when. With several teams, ?team=<slug> picks one.
export function AuditView({ teamSlug, filters }: Props) {
  const me = useMe();
  const header = (team?: MyTeam) => (
    <>
      <Breadcrumb trail={[{ href: teamSlug ? `/team?team=${encodeURIComponent(teamSlug)}` : "/team", label: "Team" }]} current="Audit log" />
      <PageHeader title="Audit log" description={`Every change in ${team?.name ?? "your team"}: who made it, when, and to what.`} />
    </>
  );
  if (me.isPending) return <>{header()}<Loading label="Loading your teams" /></>;
  if (me.isError) return <>{header()}<LoadError title="Your teams could not be loaded." error={me.error} onRetry={() => me.refetch()} /></>;
  const team = me.data.teams.find((t) => t.slug === teamSlug) ?? me.data.teams[0];
  if (!team) return <>{header()}<EmptyState title="You are not in a team yet">Ask a team admin to send you an invitation link.</EmptyState></>;
  return (
    <>
      {header(team)}
      {can(team.role, "audit.read") ? (
        // A new key per filter set resets the form's draft when the URL changes.
        <AuditLog key={auditHref(team.slug, filters)} team={team} filters={filters} />
      ) : (
        <Alert tone="info">Only team admins and owners can see the audit log. Ask one of them if you need to know who changed something.</Alert>
      )}
    </>
  );
}

function AuditLog({ team, filters }: { team: MyTeam; filters: AuditFilters }) {
  const members = useTeamMembers(team.id);
  const query = useAuditEvents(team.id, toApiFilters(filters));
  const events = query.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <>
      <AuditFilterBar teamSlug={team.slug} filters={filters} members={members.data?.members} />
      <section aria-label="Audit events" aria-busy={query.isFetching || undefined}>
        {query.isPending ? (
          <Loading label="Loading audit events" rows={5} />
        ) : query.isError && events.length === 0 ? (
          isApiError(query.error, "invalid") ? (
            <Alert tone="error">These filters do not work together: {query.error.message} Change them and apply again.</Alert>
          ) : (
            <LoadError title="The audit log could not be loaded." error={query.error} onRetry={() => query.refetch()} />
          )
        ) : events.length === 0 ? (
          hasFilters(filters) ? (
            <EmptyState
              title="No events match these filters"
              action={
                <Link href={auditHref(team.slug, {})} className={buttonClasses("secondary")}>
                  Clear filters
                </Link>
              }
            >
              Widen the time range, or pick another actor, action or object.
            </EmptyState>
          ) : (
            <EmptyState title="No audit events yet">
              Changes to projects, deployments, variables, members and API tokens are recorded here as they happen.
            </EmptyState>
          )
        ) : (
          <div className="space-y-4">
            <AuditTable events={events} />
            {query.isFetchNextPageError && (
              <LoadError title="More events could not be loaded." error={query.error} onRetry={() => query.fetchNextPage()} />
            )}
            <div className="flex min-h-9 items-center justify-center">
              {query.hasNextPage ? (
                <Button variant="secondary" pending={query.isFetchingNextPage} onClick={() => query.fetchNextPage()}>
                  Load more
                </Button>
              ) : (
                <p className="text-sm text-zinc-500">
                  {events.length === 1 ? "1 event" : `${events.length} events`}: the start of the log{hasFilters(filters) ? " for these filters" : ""}.
                </p>
              )}
            </div>
          </div>
        )}
      </section>
    </>
  );
}
