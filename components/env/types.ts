import type { EnvChange, EnvChangePreview, EnvVarView } from "@/lib/ui/env-editor";

// The JSON shapes of /api/projects/:slug/env (dates arrive as ISO strings).
export type { EnvChange, EnvChangePreview, EnvVarView };

export type EnvList = {
  variables: EnvVarView[];
  limits: { maxValueBytes: number; maxTotalBytes: number };
  publicPrefixes: string[];
};

// POST answers with what each change does (never values) and the variables
// after it (before it, on a dry run).
export type EnvChangeResult = { preview: EnvChangePreview[]; variables: EnvVarView[] };
