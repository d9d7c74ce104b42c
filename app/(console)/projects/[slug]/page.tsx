import type { Metadata } from "next";
import { appsHost } from "@/lib/routes/apps-host";
import { ProjectView } from "@/components/projects/project-view";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).slug };
}

export default async function ProjectPage({ params }: Props) {
  const { slug } = await params;
  return <ProjectView slug={slug} appsHost={await appsHost()} />;
}
