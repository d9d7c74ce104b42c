import { ApiClient, type Me } from "@/lib/cli/api-client";
import { normalizeConsoleUrl, parseLoginArgs } from "@/lib/cli/args";
import { writeConfig } from "@/lib/cli/config";
import { UsageError } from "@/lib/cli/errors";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

// slipway login --url <url> --token <token>: checks the token with GET /api/me
// and only then saves it.
export async function login(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const args = parseLoginArgs(argv);
  if (args.help) {
    io.out(USAGE.login);
    return 0;
  }
  const rawUrl = args.url ?? io.env.SLIPWAY_URL?.trim();
  if (!rawUrl) throw new UsageError("Missing --url <console url>, e.g. --url https://slipway.example.com.", "login");
  const url = normalizeConsoleUrl(rawUrl, args.url ? "--url" : "SLIPWAY_URL");
  let token = args.token ?? io.env.SLIPWAY_TOKEN?.trim();
  if (token === "-") token = (await io.readStdin()).trim();
  if (!token) {
    throw new UsageError("Missing --token <token>. Create an API token in the console under Team → API tokens.", "login");
  }
  io.addSecret(token);

  const me = await new ApiClient(url, token, deps.fetch).me();
  const file = await writeConfig(io.env, { url, token });
  io.out(`Logged in to ${url} as ${describeUser(me)}.`);
  io.out(`Saved to ${file}.`);
  return 0;
}

export function describeUser(me: Me): string {
  const who = me.user.name ? `${me.user.name} <${me.user.email}>` : me.user.email;
  const team = me.teams[0];
  return team ? `${who}, team ${team.name} (${team.role})` : who;
}
