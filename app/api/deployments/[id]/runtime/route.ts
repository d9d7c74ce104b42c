import { authedRoute } from "@/lib/http/route";
import { getRuntime } from "@/lib/runtime/get-runtime";

// A server deployment's runtime: its state, reason and instances.
export const GET = authedRoute<{ id: string }>(({ ctx, params }) => getRuntime({ ctx, id: params.id }));
