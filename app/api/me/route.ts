import { getMe } from "@/lib/teams/get-me";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute(({ ctx }) => getMe({ ctx }));
