import type { Metadata } from "next";
import { DEFAULT_ROLLOUT } from "@/lib/rollouts/rollout-settings";
import { ProjectSettingsView } from "@/components/projects/settings/project-settings-view";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Settings · ${(await params).slug}` };
}

// The defaults go to the client as a prop, so the settings schema (and zod) stay on the server.
export default async function ProjectSettingsPage({ params }: Props) {
  const { slug } = await params;
  return <ProjectSettingsView slug={slug} rolloutDefaults={DEFAULT_ROLLOUT} />;
}
