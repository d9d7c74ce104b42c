import type { DeploymentStatus, Role, SourceKind } from "@/lib/generated/prisma/enums";
import type { DeploymentSummary } from "@/components/deployments/types";
import type { RolloutChoice } from "@/lib/rollouts/rollout-settings";

// The JSON shapes of the project API (dates arrive as ISO strings).
export type ProjectSource = {
  sourceKind: SourceKind;
  gitUrl: string | null;
  sourcePath: string | null;
  productionBranch: string;
};

export type ProjectListItem = ProjectSource & {
  id: string;
  slug: string;
  name: string;
  teamId: string;
  createdAt: string;
  team: { name: string; slug: string };
  latestDeployment: { id: string; status: DeploymentStatus; createdAt: string; branch: string | null; commitSha: string | null } | null;
};

export type Project = ProjectSource & {
  id: string;
  slug: string;
  name: string;
  teamId: string;
  outputDirectory: string;
  // null: the default (npm ci / npm install, npm run build).
  installCommand: string | null;
  buildCommand: string | null;
  // null: the defaults. An app's slipway.json `canary` wins over it.
  rolloutSettings: RolloutChoice | null;
  // host:port entries the sandboxed migrate step and functions may reach besides the internet.
  egressAllow: string[];
  // Strict-Transport-Security on its HTTPS responses.
  hsts: boolean;
  createdAt: string;
  team: { id: string; name: string; slug: string };
};

export type CreateProjectBody = {
  teamId: string;
  name: string;
  slug?: string;
  sourceKind: SourceKind;
  gitUrl?: string;
  sourcePath?: string;
  productionBranch?: string;
  outputDirectory?: string;
};

export type ProjectDetail = { project: Project; role: Role };

// PATCH /api/projects/:slug takes any subset; an empty command means the default.
export type ProjectSettings = Pick<Project, "slug" | "installCommand" | "buildCommand" | "outputDirectory" | "productionBranch" | "rolloutSettings" | "egressAllow" | "hsts">;
export type UpdateProjectSettingsBody = Partial<{
  installCommand: string;
  buildCommand: string;
  outputDirectory: string;
  productionBranch: string;
  rolloutSettings: RolloutChoice | null;
  egressAllow: string[];
  hsts: boolean;
}>;

// The deployment list of a project page.
export type { DeploymentPage, DeploymentSummary as Deployment } from "@/components/deployments/types";

// GET /api/projects/:slug/branches: the active branches, production first.
// routeName: the host label serving the branch (under APPS_DOMAIN), null while nothing does.
export type Branch = { name: string; production: boolean; routeName: string | null; latestDeployment: DeploymentSummary };
export type BranchList = { productionBranch: string; branches: Branch[]; truncated: boolean };
