import type { DeploymentStatus, Environment } from "@/lib/generated/prisma/enums";

const TERMINAL: ReadonlySet<DeploymentStatus> = new Set(["live", "superseded", "failed", "canceled"]);

// Terminal deployments change no more: no new status, stage or log line.
export const isTerminal = (status: DeploymentStatus) => TERMINAL.has(status);

export const ENVIRONMENT_LABEL: Record<Environment, string> = {
  production: "Production",
  preview: "Preview",
  development: "Development",
};
