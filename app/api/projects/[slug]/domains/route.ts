import { addDomain } from "@/lib/domains/add-domain";
import { listDomains } from "@/lib/domains/list-domains";
import { authedRoute, readJson } from "@/lib/http/route";

export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => listDomains({ ctx, slug: params.slug }));

export const POST = authedRoute<{ slug: string }>(async ({ req, ctx, params }) =>
  addDomain({ ctx, slug: params.slug, input: await readJson(req) }),
);
