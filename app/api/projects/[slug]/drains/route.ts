import { createDrain } from "@/lib/drains/create-drain";
import { listDrains } from "@/lib/drains/list-drains";
import { authedRoute, readJson } from "@/lib/http/route";

// A project's log drains: list them, or add one (its secret is in this answer only).
export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => listDrains({ ctx, slug: params.slug }));

export const POST = authedRoute<{ slug: string }>(async ({ req, ctx, params }) =>
  Response.json(await createDrain({ ctx, slug: params.slug, input: await readJson(req) }), { status: 201 }),
);
