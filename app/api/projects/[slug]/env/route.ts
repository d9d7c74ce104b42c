import { changeEnvVars } from "@/lib/env-vars/change-env-vars";
import { listEnvVars } from "@/lib/env-vars/list-env-vars";
import { authedRoute, readJson } from "@/lib/http/route";

export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => listEnvVars({ ctx, slug: params.slug }));

export const POST = authedRoute<{ slug: string }>(async ({ req, ctx, params }) =>
  changeEnvVars({ ctx, slug: params.slug, input: await readJson(req) }),
);
