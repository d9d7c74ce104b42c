import { ApiClient } from "@/lib/cli/api-client";
import { parseWhoamiArgs } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

// slipway whoami: who the token acts for, and where.
export async function whoami(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const args = parseWhoamiArgs(argv);
  if (args.help) {
    io.out(USAGE.whoami);
    return 0;
  }
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const me = await new ApiClient(url, token, deps.fetch).me();
  io.out(me.user.name ? `${me.user.name} <${me.user.email}>` : me.user.email);
  for (const team of me.teams) io.out(`Team: ${team.name} (${team.slug}), role ${team.role}`);
  io.out(`Console: ${url}`);
  return 0;
}
