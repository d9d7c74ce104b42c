import type { Metadata } from "next";
import Link from "next/link";
import { appsHost } from "@/components/projects/apps-host";
import { CreateProjectForm } from "@/components/projects/create-project-form";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "New project" };

export default function NewProjectPage() {
  return (
    <div className="mx-auto max-w-2xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-zinc-500">
        <Link href="/projects" className="hover:text-zinc-800 hover:underline">
          Projects
        </Link>
      </nav>
      <PageHeader title="New project" description="Tell Slipway where your app's source lives and how it builds." />
      <CreateProjectForm appsHost={appsHost()} />
    </div>
  );
}
