import { authedRoute } from "@/lib/http/route";
import { listMembers } from "@/lib/teams/list-members";

export const GET = authedRoute<{ teamId: string }>(({ ctx, params }) => listMembers({ ctx, teamId: params.teamId }));
