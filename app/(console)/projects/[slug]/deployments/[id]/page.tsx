import type { Metadata } from "next";
import { shortId } from "@/lib/ui/format";
import { DeploymentView } from "@/components/deployments/deployment-view";
import { appsHost } from "@/lib/routes/apps-host";

type Props = { params: Promise<{ slug: string; id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, id } = await params;
  return { title: `Deployment ${shortId(id)} · ${slug}` };
}

export default async function DeploymentPage({ params }: Props) {
  const { slug, id } = await params;
  return <DeploymentView key={id} slug={slug} id={id} appsHost={await appsHost()} />;
}
