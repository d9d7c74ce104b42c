import type { Ctx } from "@/lib/auth/ctx";
import { sessionCtx } from "@/lib/auth/session-ctx";
import { db } from "@/lib/db/client";
import { tokenCtx } from "@/lib/tokens/authenticate-token";
import { forbidden, invalid, unauthorized } from "@/lib/errors/app-error";
import { unstorableText } from "@/lib/errors/storable-text";
import { errorResponse } from "@/lib/http/to-response";

type Args<P> = { req: Request; ctx: Ctx; params: P };
type RouteContext<P> = { params: Promise<P> };

const MAX_JSON_BYTES = 1 << 20;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// Wraps an API route: refuses cross-site writes, authenticates (session cookie,
// or `Authorization: Bearer <API token>` for the CLI), maps errors. Handlers
// only parse the request and call a verb.
export function authedRoute<P = Record<string, never>>(handler: (args: Args<P>) => Promise<unknown>) {
  return publicRoute<P>(async ({ req, params }) => {
    const authorization = req.headers.get("authorization");
    const ctx = authorization?.startsWith("Bearer ") ? await tokenCtx(db(), authorization.slice(7).trim()) : await sessionCtx();
    if (!ctx) throw unauthorized();
    return handler({ req, ctx, params });
  });
}

// For the few routes a signed-out person may call (accepting an invitation).
export function publicRoute<P = Record<string, never>>(handler: (args: { req: Request; params: P }) => Promise<unknown>) {
  return async (req: Request, context: RouteContext<P>) => {
    try {
      if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) throw forbidden("Cross-site requests are not allowed.");
      const params = await context.params;
      const bad = unstorableText(params);
      if (bad) throw invalid(`The URL's ${bad.path} is not valid: ${bad.message}`);
      return toResponse(await handler({ req, params }));
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw invalid("Request body is too large.");
  try {
    return JSON.parse(text || "{}");
  } catch {
    throw invalid("Request body must be JSON.");
  }
}

function toResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  return new Response(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v)), {
    headers: { "content-type": "application/json" },
  });
}

// Browsers send Origin on cross-site POSTs; a mismatch with Host is a forged request.
function sameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.get("host");
  } catch {
    return false;
  }
}
