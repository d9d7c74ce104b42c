import type { ManifestDiff } from "@/lib/bundles/diff-manifests";
import type { ActorKind, DeploymentStatus, Environment, LogStream, RolloutStatus, StageStatus, Verdict } from "@/lib/generated/prisma/enums";
import type { RolloutOrigin, RolloutSettings } from "@/lib/rollouts/rollout-settings";

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
  // The route's canary weight (0–100) while this deployment is its canary, else null.
  // Optional: a response from before rollouts existed has no such field.
  canaryWeight?: number | null;
  /** A server deployment's runtime state ("running", "stopped"...); null for static ones. */
  runtimeState?: string | null;
};

export type DeploymentPage = { deployments: DeploymentSummary[]; nextCursor: string | null };

export const STAGE_NAMES = ["source", "install", "build", "migrate", "bundle", "upload", "publish"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export type BuildSettingKey = "installCommand" | "buildCommand" | "outputDirectory";
export type BuildSettingSource = "default" | "project" | "slipway.json" | "detected";

export type BuildSettings = Record<BuildSettingKey, string> & {
  runtime?: "static" | "server";
  server?: { root: string } | null;
  from: Record<BuildSettingKey, BuildSettingSource>;
};

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
  // Keys (never values) a new deploy of the same environment and branch would get
  // differently from the set the target runs with; null when there is nothing to compare.
  variables: VariablesDrift | null;
  // The app's migrations applied to the environment since the target was built (absent from older consoles).
  migrations?: { name: string; appliedAt: string }[];
};

export type VariablesDrift = { added: string[]; removed: string[]; changed: string[] };

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

// GET /api/deployments/:id/rollout: the deployment's canary rollout, if it had one.
export type { RolloutOrigin, RolloutSettings, RolloutStatus, Verdict };

export type RolloutAnalysis = {
  stageIndex: number;
  weight: number;
  windowStart: string;
  windowEnd: string;
  canaryRequests: number;
  canaryErrors: number;
  canaryP95Ms: number | null;
  baselineRequests: number;
  baselineErrors: number;
  baselineP95Ms: number | null;
  verdict: Verdict;
  reason: string;
  // Close calls a person should know about: a difference below the latency floor, warm-up left out.
  notes: string[];
  createdAt: string;
};

export type StageBoundary = { stageIndex: number; weight: number; at: string };

export type Rollout = {
  id: string;
  status: RolloutStatus;
  stages: number[];
  stageIndex: number;
  // The canary's share of traffic now (0 once rolled back or aborted).
  weight: number;
  settings: RolloutSettings;
  settingsFrom: RolloutOrigin;
  // Why it paused, rolled back or was aborted, in words; null otherwise.
  reason: string | null;
  startedAt: string;
  stageStartedAt: string;
  finishedAt: string | null;
  baselineDeploymentId: string | null;
  canaryDeploymentId: string;
  analyses: RolloutAnalysis[];
  stageBoundaries: StageBoundary[];
};

export type ArmPoint = { requests: number; errors: number; errorRate: number | null; p95Ms: number | null };

// One step of the series: t is the bucket's start.
export type SeriesPoint = { t: string; canary: ArmPoint; baseline: ArmPoint };

// series runs from the rollout's start to now (or its end), one point per
// stepSec seconds (at most 300 points); canControl: the viewer may pause, resume,
// abort or promote it (and it is running or paused).
export type RolloutView = { rollout: Rollout | null; series: SeriesPoint[]; stepSec?: number; canControl: boolean };

export type RolloutAction = "pause" | "resume" | "abort" | "promote";
