import type { Metadata } from "next";
import { DomainsView } from "@/components/domains/domains-view";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Domains · ${(await params).slug}` };
}

export default async function ProjectDomainsPage({ params }: Props) {
  const { slug } = await params;
  return <DomainsView slug={slug} />;
}
