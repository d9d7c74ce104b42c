import type { Metadata } from "next";
import { EnvView } from "@/components/env/env-view";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Variables · ${(await params).slug}` };
}

export default async function ProjectEnvPage({ params }: Props) {
  const { slug } = await params;
  return <EnvView slug={slug} />;
}
