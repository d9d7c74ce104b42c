import type { ManifestDiff } from "@/lib/bundles/diff-manifests";
import type { ActorKind, DeploymentStatus, Environment, LogStream, StageStatus } from "@/lib/generated/prisma/enums";

// The JSON shapes of the deployment API (dates arrive as ISO strings).
export type DeploymentSummary = {
  id: string;
  environment: Environment;
  branch: string;
  commitSha: string;
  commitMessage: string | null;
  status: DeploymentStatus;
  createdAt: string;
  startedAt: string | null;
  readyAt: string | null;
  finishedAt: string | null;
  createdByKind: ActorKind;
  author: { name: string; email: string } | null;
  failureStage: string | null;
  failureReason: string | null;
};

export type DeploymentPage = { deployments: DeploymentSummary[]; nextCursor: string | null };

export const STAGE_NAMES = ["source", "install", "build", "migrate", "bundle", "upload", "publish"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export type BuildSettingKey = "installCommand" | "buildCommand" | "outputDirectory";
export type BuildSettingSource = "default" | "project" | "slipway.json";

export type BuildSettings = Record<BuildSettingKey, string> & { from: Record<BuildSettingKey, BuildSettingSource> };

export type BundleInfo = { digest: string; fileCount: number; totalBytes: number; verified?: boolean };

export type DeploymentStage = {
  name: StageName;
  position: number;
  status: StageStatus;
  detail: string | null;
  startedAt: string;
  finishedAt: string | null;
};

export type DeploymentEvent = {
  id: string;
  fromStatus: DeploymentStatus | null;
  toStatus: DeploymentStatus;
  actorKind: ActorKind;
  actorName: string | null;
  reason: string | null;
  createdAt: string;
};

export type DeploymentDetail = {
  deployment: DeploymentSummary & {
    project: { slug: string; name: string };
    routeName: string;
    bundle: BundleInfo | null;
    buildSettings: BuildSettings | null;
  };
  stages: DeploymentStage[];
  events: DeploymentEvent[];
  canCancel: boolean;
  canDeploy: boolean;
  canPromote: boolean;
  logLineCount: number;
};

// GET /api/deployments/:id/promote: what promoting the deployment would change.
export type PromoteSide = DeploymentSummary & { bundle: BundleInfo | null };
export type PromotePreview = {
  project: { slug: string; name: string };
  target: PromoteSide;
  // What the route serves now (the target itself when it is already live), or null.
  live: PromoteSide | null;
  route: { name: string };
  allowed: boolean;
  reason: string | null;
  // From what is live to the target; null while the target has no bundle.
  diff: ManifestDiff | null;
  runtimeEnv: string;
};

export type LogLine = { seq: number; stream: LogStream; text: string; at: string };

export type LogPage = { lines: LogLine[]; lastSeq: number; done: boolean; status: DeploymentStatus };

export type Manifest = {
  digest: string | null;
  fileCount: number;
  totalBytes: number;
  files: Array<{ path: string; size: number; sha256: string; contentType: string }>;
};

// What POST /api/projects/:slug/deployments takes. An archive project sends the
// file as the body and the options as query parameters.
export type CreateDeploymentInput = {
  environment?: "production" | "preview";
  branch?: string;
  ref?: string;
  archive?: File;
};
