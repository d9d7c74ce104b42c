"use client";

import Link from "next/link";
import { can } from "@/lib/auth/roles";
import { useMe, type MyTeam } from "@/components/me/queries";
import { ApiTokens } from "@/components/team/api-tokens";
import { InvitationList } from "@/components/team/invitation-list";
import { InviteForm } from "@/components/team/invite-form";
import { MemberTable } from "@/components/team/member-table";
import { useTeamMembers } from "@/components/team/queries";
import { ROLE_LABEL } from "@/components/team/roles";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";

// The team page; with several teams, ?team=<slug> picks one (the first by default).
export function TeamView({ teamSlug }: { teamSlug?: string }) {
  const me = useMe();
  if (me.isPending) return <Loading label="Loading your teams" />;
  if (me.isError) return <LoadError title="Your teams could not be loaded." error={me.error} onRetry={() => me.refetch()} />;
  const { teams } = me.data;
  const team = teams.find((t) => t.slug === teamSlug) ?? teams[0];
  if (!team) {
    return (
      <>
        <PageHeader title="Team" />
        <EmptyState title="You are not in a team yet">Ask a team admin to send you an invitation link.</EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Team"
        description={
          <>
            {team.name} · you are {ROLE_LABEL[team.role].toLowerCase()}
          </>
        }
        actions={
          can(team.role, "audit.read") && (
            <Link href={`/team/audit?team=${encodeURIComponent(team.slug)}`} className={buttonClasses("secondary")}>
              Audit log
            </Link>
          )
        }
      />
      {teams.length > 1 && <TeamSwitcher teams={teams} current={team.id} />}
      <TeamMembers key={team.id} team={team} meId={me.data.user.id} />
    </>
  );
}

function TeamSwitcher({ teams, current }: { teams: MyTeam[]; current: string }) {
  return (
    <nav aria-label="Your teams" className="mb-6 flex flex-wrap gap-2">
      {teams.map((t) => (
        <Link
          key={t.id}
          href={`/team?team=${encodeURIComponent(t.slug)}`}
          aria-current={t.id === current ? "page" : undefined}
          className={`rounded-full border px-3 py-1 text-sm ${
            t.id === current
              ? "border-accent-500 bg-accent-50 text-accent-700"
              : "border-zinc-300 bg-white text-zinc-700 hover:bg-zinc-50"
          }`}
        >
          {t.name}
        </Link>
      ))}
    </nav>
  );
}

function TeamMembers({ team, meId }: { team: MyTeam; meId: string }) {
  const query = useTeamMembers(team.id);
  if (query.isPending) return <Loading label="Loading members" />;
  if (query.isError) {
    return <LoadError title="Members could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  const { role, members, invitations } = query.data;
  const isAdmin = can(role, "member.invite");
  return (
    <div className="space-y-8">
      <section aria-labelledby="members-title">
        <SectionTitle id="members-title">Members</SectionTitle>
        <MemberTable teamId={team.id} meId={meId} actorRole={role} members={members} editable={isAdmin} />
      </section>
      {isAdmin && (
        <section aria-labelledby="invite-title">
          <SectionTitle id="invite-title">Invite someone</SectionTitle>
          <InviteForm teamId={team.id} actorRole={role} />
        </section>
      )}
      {(isAdmin || invitations.length > 0) && (
        <section aria-labelledby="invitations-title">
          <SectionTitle id="invitations-title">Pending invitations</SectionTitle>
          <InvitationList invitations={invitations} />
        </section>
      )}
      {can(role, "token.read") && (
        <section aria-labelledby="tokens-title">
          <SectionTitle id="tokens-title">API tokens</SectionTitle>
          <ApiTokens teamId={team.id} teamName={team.name} role={role} canManage={can(role, "token.create")} />
        </section>
      )}
    </div>
  );
}
