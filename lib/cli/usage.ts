// Help text, one block per command. `slipway --help` prints the overview.
export const COMMANDS = ["deploy", "promote", "login", "logout", "whoami"] as const;
export type Command = (typeof COMMANDS)[number];

const CONNECTION = `Connection (every command that talks to the console):
  --url <url>       Console URL, e.g. https://slipway.example.com  (or SLIPWAY_URL)
  --token <token>   API token                                      (or SLIPWAY_TOKEN)
  Flags win over the environment, which wins over the file saved by \`slipway login\`.`;

export const OVERVIEW = `slipway — deploy to a Slipway console from your machine

Usage:
  slipway deploy [dir] --project <slug> [options]   Upload a directory and build it
  slipway promote <deploymentId>                    Make an earlier deployment live again
  slipway login --url <url> --token <token>         Check a token and save it
  slipway logout                                    Forget the saved token
  slipway whoami                                    Show who the token acts for

Run \`slipway <command> --help\` for a command's options.

Create an API token in the console under Team → API tokens.`;

export const USAGE: Record<Command, string> = {
  deploy: `Usage: slipway deploy [dir] --project <slug> [options]

Packs dir (default: the current directory) into a .tar.gz, leaving out .git,
node_modules and .data, uploads it and follows the build until it is live.

Options:
  -p, --project <slug>   Project to deploy (required)
  -e, --env <env>        production or preview (default: production for the
                         project's production branch, else preview)
  -b, --branch <name>    Branch the deployment is for (default: the project's
                         production branch)
  -m, --message <text>   A note shown with the deployment
      --no-follow        Print the deployment's URL and return at once
  -h, --help             Show this help

${CONNECTION}

Exit status: 0 live, 1 failed or canceled (or an error), 2 bad usage,
130 stopped following with Ctrl-C (the deployment keeps going).`,

  promote: `Usage: slipway promote <deploymentId>

Makes a deployment that has been live serve its route again (production, or
its branch's preview), at once and with no rebuild; the one live now becomes
superseded and can be promoted back the same way. Prints what changes first:
files added, changed and removed, and the size before and after.

The promoted deployment runs with the environment variables it was built with.

deploymentId is the full id (a UUID), as in the deployment page's address.

Options:
  -h, --help   Show this help

${CONNECTION}

Exit status: 0 live (or already live), 1 refused or failed, 2 bad usage.`,

  login: `Usage: slipway login --url <url> --token <token>

Checks the token against the console and saves both to
$XDG_CONFIG_HOME/slipway/config.json (default ~/.config/slipway/config.json),
readable only by you. Pass --token - to read the token from stdin instead of
the command line (which shells keep in their history).

Create a token in the console under Team → API tokens.

Options:
  --url <url>       Console URL (or SLIPWAY_URL)
  --token <token>   API token, or - for stdin (or SLIPWAY_TOKEN)
  -h, --help        Show this help`,

  logout: `Usage: slipway logout

Removes the saved console URL and token. The token itself stays valid until it
expires or is revoked in the console (Team → API tokens).

Options:
  -h, --help   Show this help`,

  whoami: `Usage: slipway whoami

Prints the person and team the API token acts for.

Options:
  -h, --help   Show this help

${CONNECTION}`,
};
