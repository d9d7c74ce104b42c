import type { AppliedChange } from "@/lib/env-vars/apply-mutable-changes";
import type { EnvChange, EnvChangePreview, EnvVarView } from "@/lib/ui/env-editor";

// The JSON shapes of /api/projects/:slug/env (dates arrive as ISO strings).
export type { EnvChange, EnvChangePreview, EnvVarView };

export type EnvList = {
  variables: EnvVarView[];
  limits: { maxValueBytes: number; maxTotalBytes: number };
  publicPrefixes: string[];
};

// POST answers with what each change does (never values), the variables
// after it (before it, on a dry run) and the running deployments it restarts.
export type EnvChangeResult = { preview: EnvChangePreview[]; variables: EnvVarView[]; applied: AppliedChange[] };
