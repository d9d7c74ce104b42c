import { authedRoute } from "@/lib/http/route";
import { rotateWebhookSecret, webhookSecretStatus } from "@/lib/projects/webhook-secret";

export const GET = authedRoute<{ slug: string }>(({ req, ctx, params }) =>
  webhookSecretStatus({ ctx, slug: params.slug, requestOrigin: new URL(req.url).origin }),
);

// A new secret, shown in this answer only.
export const POST = authedRoute<{ slug: string }>(async ({ req, ctx, params }) =>
  Response.json(await rotateWebhookSecret({ ctx, slug: params.slug, requestOrigin: new URL(req.url).origin }), {
    status: 201,
    headers: { "cache-control": "no-store" },
  }),
);
