import { z } from "zod";
import { parseRepoLocation, REPO_LOCATION_HINT } from "@/lib/projects/repo-location";
import { slugFromName } from "@/lib/projects/slug-from-name";

// A project slug is the host label of its URLs (<slug>.<APPS_DOMAIN>), so it
// follows DNS label rules, and "-git-" is kept for branch URLs.
export const projectSlug = z
  .string()
  .trim()
  .min(2, "Slug must be 2 to 32 characters.")
  .max(32, "Slug must be 2 to 32 characters.")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and single hyphens; start and end with a letter or digit.")
  .refine((s) => !s.includes("--"), "Slug cannot contain two hyphens in a row.")
  .refine((s) => !s.includes("-git-"), "Slug cannot contain \"-git-\": it is reserved for branch URLs.");

export const branchName = z
  .string()
  .trim()
  .min(1, "Branch is required.")
  .max(100, "Branch names are at most 100 characters.")
  .regex(/^[A-Za-z0-9._/-]+$/, "Branch names use letters, digits, '.', '_', '-' and '/'.")
  .refine((b) => !b.startsWith("-") && !b.includes("..") && !b.startsWith("/") && !b.endsWith("/"), "That is not a valid branch name.");

// Any location parseRepoLocation accepts; whether a local one is allowed on
// this server is the verb's decision (it depends on configuration).
export const gitUrl = z
  .string()
  .trim()
  .max(500, "Repository URL is too long.")
  .refine((u) => parseRepoLocation(u) !== null, REPO_LOCATION_HINT);

// A path inside the app's directory: relative, no ".." segment.
export const appRelativeDir = (message: string) =>
  z
    .string()
    .trim()
    .max(200)
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, message);

export const outputDirectory = appRelativeDir("Output directory must be a relative path inside the app.");

const base = z.object({
  teamId: z.uuid("Choose a team."),
  name: z.string().trim().min(1, "Name is required.").max(80, "Name is at most 80 characters."),
  slug: projectSlug,
  productionBranch: branchName.default("main"),
  outputDirectory: outputDirectory.default("dist"),
});

// With no slug given, one is derived from the name; either way it is checked
// alongside the other fields, so every field's problem is reported at once.
const withSlug = (raw: unknown) => {
  if (typeof raw !== "object" || raw === null) return raw;
  const r = raw as Record<string, unknown>;
  const given = typeof r.slug === "string" && r.slug.trim() !== "";
  return given || typeof r.name !== "string" ? r : { ...r, slug: slugFromName(r.name) };
};

export const createProjectInput = z.preprocess(
  withSlug,
  z.discriminatedUnion("sourceKind", [
    base.extend({ sourceKind: z.literal("git"), gitUrl }),
    base.extend({ sourceKind: z.literal("archive") }),
    base.extend({
      sourceKind: z.literal("directory"),
      sourcePath: z.string().regex(/^examples\/[a-z0-9-]+$/, "Directory sources must be one of the apps in examples/."),
    }),
  ]),
);

export type CreateProjectInput = z.input<typeof createProjectInput>;
