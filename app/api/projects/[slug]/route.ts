import { authedRoute, readJson } from "@/lib/http/route";
import { getProject } from "@/lib/projects/get-project";
import { updateProjectSettings } from "@/lib/projects/update-project-settings";

export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => getProject({ ctx, slug: params.slug }));

export const PATCH = authedRoute<{ slug: string }>(async ({ req, ctx, params }) =>
  updateProjectSettings({ ctx, slug: params.slug, input: await readJson(req) }),
);
