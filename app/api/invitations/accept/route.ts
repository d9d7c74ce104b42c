import { publicRoute, readJson } from "@/lib/http/route";
import { acceptInvitation } from "@/lib/teams/accept-invitation";

export const POST = publicRoute(async ({ req }) => ({ accepted: await acceptInvitation({ input: await readJson(req) }) }));
