import type { ReactNode } from "react";
import { PageHeader } from "@/components/ui/page-header";

export function EnvHeader({ actions }: { actions?: ReactNode }) {
  return (
    <PageHeader
      title="Environment variables"
      description="What your builds and functions read, per environment."
      actions={actions}
    />
  );
}
