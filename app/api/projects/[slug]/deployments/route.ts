import { createDeployment } from "@/lib/deployments/create-deployment";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { authedRoute, readJson } from "@/lib/http/route";

// The history's filters come from the query string; a repeated parameter
// (?status=live&status=failed) arrives as a list.
export const GET = authedRoute<{ slug: string }>(({ req, ctx, params }) => {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(req.url).searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return listDeployments({ ctx, input: { ...query, slug: params.slug } });
});

// JSON body: deploy the project's own source. A gzip body: deploy that archive
// (options in the query string); the verb streams it, never buffering it whole.
export const POST = authedRoute<{ slug: string }>(async ({ req, ctx, params }) => {
  const type = req.headers.get("content-type") ?? "";
  const isArchive = /^application\/(gzip|x-gzip|x-tar\+gzip|octet-stream)\b/.test(type);
  const result = isArchive
    ? await createDeployment({
        ctx,
        slug: params.slug,
        input: Object.fromEntries(new URL(req.url).searchParams),
        upload: { body: req.body, declaredBytes: Number(req.headers.get("content-length")) || null },
      })
    : await createDeployment({ ctx, slug: params.slug, input: await readJson(req) });
  return Response.json(result, { status: 201 });
});
