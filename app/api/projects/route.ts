import { authedRoute, readJson } from "@/lib/http/route";
import { createProject } from "@/lib/projects/create-project";
import { listProjects } from "@/lib/projects/list-projects";

export const GET = authedRoute(async ({ ctx }) => ({ projects: await listProjects({ ctx }) }));

export const POST = authedRoute(async ({ req, ctx }) => {
  const project = await createProject({ ctx, input: await readJson(req) });
  return Response.json({ project }, { status: 201 });
});
