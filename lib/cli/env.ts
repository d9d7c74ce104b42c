import { envPull } from "@/lib/cli/env-pull";
import { envPush } from "@/lib/cli/env-push";
import { UsageError } from "@/lib/cli/errors";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

// slipway env pull | push: a project's environment variables to and from .env files.
export async function env(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    io.out(USAGE.env);
    return 0;
  }
  if (!sub) {
    io.err(USAGE.env);
    return 2;
  }
  if (sub === "pull") return envPull(rest, io, deps);
  if (sub === "push") return envPush(rest, io, deps);
  throw new UsageError(`Unknown env command "${sub}": use \`slipway env pull\` or \`slipway env push\`.`, "env");
}
