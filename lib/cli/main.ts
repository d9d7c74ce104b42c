import { deploy } from "@/lib/cli/deploy";
import { env } from "@/lib/cli/env";
import { CliError, UsageError } from "@/lib/cli/errors";
import { paint } from "@/lib/cli/format";
import { type Io, processIo } from "@/lib/cli/io";
import { login } from "@/lib/cli/login";
import { logout } from "@/lib/cli/logout";
import { logs } from "@/lib/cli/logs";
import { promote } from "@/lib/cli/promote";
import { COMMANDS, type Command, OVERVIEW, USAGE } from "@/lib/cli/usage";
import { whoami } from "@/lib/cli/whoami";

// The slipway CLI: a thin client of the console's REST API. Returns the exit
// code: 0 ok, 1 failed, 2 bad usage, 130 interrupted.
export type Deps = { fetch?: typeof fetch; pollMs?: number };
const RUN: Record<Command, (argv: string[], io: Io, deps: Deps) => Promise<number>> = { deploy, promote, logs, env, login, logout, whoami };

export async function main(argv: string[], io: Io = processIo(), deps: Deps = {}): Promise<number> {
  const [command, ...rest] = argv;
  const red = paint(io.color.err).red;
  try {
    if (command === "--help" || command === "-h") {
      io.out(OVERVIEW);
      return 0;
    }
    if (command === "help") {
      const topic = rest[0];
      if (topic && !isCommand(topic)) throw new UsageError(`Unknown command "${topic}".`);
      io.out(topic ? USAGE[topic as Command] : OVERVIEW);
      return 0;
    }
    if (!command) {
      io.err(OVERVIEW);
      return 2;
    }
    if (command.startsWith("-")) throw new UsageError(`Unknown option ${command}: give the command first, e.g. \`slipway deploy ${command}\`.`);
    if (!isCommand(command)) throw new UsageError(`Unknown command "${command}". Commands: ${COMMANDS.join(", ")}.`);
    return await RUN[command](rest, io, deps);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${red("Error:")} ${e.message}`);
      io.err(`Run \`slipway ${e.command ?? (isCommand(command) ? command : "")} --help\` for usage.`.replace("slipway  ", "slipway "));
      return e.exitCode;
    }
    if (e instanceof CliError) {
      io.err(`${red("Error:")} ${e.message}`);
      return e.exitCode;
    }
    io.err(`${red("Error:")} ${e instanceof Error ? e.message : String(e)}`);
    if (io.env.SLIPWAY_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return 1;
  }
}

const isCommand = (s: string | undefined): s is Command => (COMMANDS as readonly string[]).includes(s ?? "");
