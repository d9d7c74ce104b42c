import type { Metadata } from "next";
import { AuditView } from "@/components/audit/audit-view";
import { filtersFromSearchParams } from "@/components/audit/filters";

export const metadata: Metadata = { title: "Audit log" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AuditPage({ searchParams }: Props) {
  const sp = await searchParams;
  const team = Array.isArray(sp.team) ? sp.team[0] : sp.team;
  return <AuditView teamSlug={team} filters={filtersFromSearchParams(sp)} />;
}
