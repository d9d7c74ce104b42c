import { authedRoute } from "@/lib/http/route";
import { previewPromote } from "@/lib/routes/preview-promote";
import { promoteDeployment } from "@/lib/routes/promote-deployment";

// GET: what a promote would change (nothing is written). POST: promote.
export const GET = authedRoute<{ id: string }>(({ ctx, params }) => previewPromote({ ctx, id: params.id }));

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => promoteDeployment({ ctx, id: params.id }));
