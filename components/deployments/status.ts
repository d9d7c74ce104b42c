import type { DeploymentStatus, Environment } from "@/lib/generated/prisma/enums";

const TERMINAL: ReadonlySet<DeploymentStatus> = new Set(["live", "superseded", "failed", "canceled"]);

// Terminal deployments change no more: no new status, stage or log line.
export const isTerminal = (status: DeploymentStatus) => TERMINAL.has(status);

// Where the console offers Promote: a deployment that has been live and is not
// now. A "live" one is always the live one of its route (publish and promote
// move the route and both statuses in one transaction), so promoting it would
// change nothing; the API says so too.
export const offersPromote = (status: DeploymentStatus) => status === "superseded";

export const ENVIRONMENT_LABEL: Record<Environment, string> = {
  production: "Production",
  preview: "Preview",
  development: "Development",
};
