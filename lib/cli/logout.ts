import { parseLogoutArgs } from "@/lib/cli/args";
import { configPath, removeConfig } from "@/lib/cli/config";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

// slipway logout: forgets the saved URL and token (the token stays valid on
// the server until it is revoked there).
export async function logout(argv: string[], io: Io): Promise<number> {
  const args = parseLogoutArgs(argv);
  if (args.help) {
    io.out(USAGE.logout);
    return 0;
  }
  const removed = await removeConfig(io.env);
  if (!removed) {
    io.out(`Not logged in (there is no ${configPath(io.env)}).`);
    return 0;
  }
  io.out(`Logged out: removed ${removed}.`);
  io.out("The token still works until it expires or is revoked in the console (Team → API tokens).");
  return 0;
}
