import type { Metadata } from "next";
import { TeamView } from "@/components/team/team-view";

export const metadata: Metadata = { title: "Team" };

type Props = { searchParams: Promise<{ team?: string | string[] }> };

export default async function TeamPage({ searchParams }: Props) {
  const { team } = await searchParams;
  return <TeamView teamSlug={Array.isArray(team) ? team[0] : team} />;
}
