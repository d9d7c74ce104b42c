import { authedRoute, readJson } from "@/lib/http/route";
import { previewPromote } from "@/lib/routes/preview-promote";
import { promoteDeployment } from "@/lib/routes/promote-deployment";

// GET: what a promote would change (nothing is written). POST: promote.
export const GET = authedRoute<{ id: string }>(({ ctx, params }) => previewPromote({ ctx, id: params.id }));

// POST: promote; { "confirmMigrations": true } when it was built before migrations applied since.
export const POST = authedRoute<{ id: string }>(async ({ req, ctx, params }) => promoteDeployment({ ctx, id: params.id, input: await readJson(req) }));
