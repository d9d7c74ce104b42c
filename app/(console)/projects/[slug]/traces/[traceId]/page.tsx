import type { Metadata } from "next";
import { TraceView } from "@/components/logs/trace-view";

type Props = { params: Promise<{ slug: string; traceId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, traceId } = await params;
  return { title: `Trace ${traceId.slice(0, 8)} · ${slug}` };
}

export default async function TracePage({ params }: Props) {
  const { slug, traceId } = await params;
  return <TraceView slug={slug} traceId={traceId} />;
}
