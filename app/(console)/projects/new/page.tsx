import type { Metadata } from "next";
import { appsHost } from "@/lib/routes/apps-host";
import { CreateProjectForm } from "@/components/projects/create-project-form";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "New project" };

export default async function NewProjectPage() {
  return (
    <div className="mx-auto max-w-2xl">
      <Breadcrumb trail={[{ href: "/projects", label: "Projects" }]} current="New project" />
      <PageHeader title="New project" description="Tell Slipway where your app's source lives and how it builds." />
      <CreateProjectForm appsHost={await appsHost()} />
    </div>
  );
}
