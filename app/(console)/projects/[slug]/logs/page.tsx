import type { Metadata } from "next";
import { LogsView } from "@/components/logs/logs-view";
import { logFiltersFromSearchParams } from "@/components/logs/filters";

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Logs · ${(await params).slug}` };
}

export default async function ProjectLogsPage({ params, searchParams }: Props) {
  const { slug } = await params;
  return <LogsView slug={slug} filters={logFiltersFromSearchParams(await searchParams)} />;
}
