// Help text, one block per command. `slipway --help` prints the overview.
export const COMMANDS = ["deploy", "promote", "logs", "env", "login", "logout", "whoami"] as const;
export type Command = (typeof COMMANDS)[number];

const CONNECTION = `Connection (every command that talks to the console):
  --url <url>       Console URL, e.g. https://slipway.example.com  (or SLIPWAY_URL)
  --token <token>   API token                                      (or SLIPWAY_TOKEN)
  Flags win over the environment, which wins over the file saved by \`slipway login\`.`;

export const OVERVIEW = `slipway — deploy to a Slipway console from your machine

Usage:
  slipway deploy [dir] --project <slug> [options]   Upload a directory and build it
  slipway promote <deploymentId>                    Make an earlier deployment live again
  slipway logs <deploymentId|project> [options]     Print (or follow) requests and app output
  slipway env pull --project <slug> [options]       Write a project's variables to .env
  slipway env push <file> -p <slug> -e <env>        Set variables from a .env file
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
      --expires-in <d>   A fixed lifetime ("30m", "12h", "7d"): then its URL answers 404
      --debug            A server's instances keep every line they write (shown on its page)
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
A deployment built before app migrations that have since been applied to its
environment's database is promoted only with --confirm-migrations.

deploymentId is the full id (a UUID), as in the deployment page's address.

Options:
  --confirm-migrations   Promote even though it was built before migrations applied since
  -h, --help             Show this help

${CONNECTION}

Exit status: 0 live (or already live), 1 refused or failed, 2 bad usage.`,

  logs: `Usage: slipway logs <deploymentId|project> [options]

Prints runtime log lines, oldest first: the requests a deployment answered and
what its code printed to stdout and stderr. A deployment id (a UUID) means that
deployment; anything else is a project's slug: all of its deployments. Without
--follow it prints the most recent lines that match and exits.

Each line reads: time, build SHA, source, then the request
(GET /api/x 500 12.3ms 1.2 kB [canary] node-1#0) or the text as printed.

Options:
  -f, --follow           Then print new lines as they come, until Ctrl-C
      --since <time>     Lines from then on: "15m", "2h", "7d" back from now, or
                         an ISO 8601 time (2026-01-01T12:00:00Z)
      --until <time>     Lines up to then (the same forms)
      --status <class>   Requests answered 2xx, 3xx, 4xx or 5xx
      --source <source>  request, app (stdout and stderr), stdout or stderr
      --path <prefix>    Requests whose path begins with this, e.g. /api/
      --text <word>      Lines whose text (or path) contains this, in any case
  -n, --limit <n>        How many of the most recent lines (1 to 1000, default 100)
      --trace <id>       One request's trace, of a project: its request line and
                         what its function printed while it ran, in time order
                         (the id is in every request line of --json)
      --json             One JSON object per line (NDJSON), for jq
  -h, --help             Show this help

${CONNECTION}

Exit status: 0 done (following: stopped with Ctrl-C), 1 failed, 2 bad usage.`,

  env: `Usage: slipway env pull --project <slug> [options]
       slipway env push <file> --project <slug> --environment <env> [options]

pull writes the variables a deployment of the environment (and branch) gets
to a .env file: KEY=value lines, quoted where needed. Sensitive values cannot
be read back, so each is a comment naming the key instead. An existing file
is not overwritten without --force.

push sets every KEY=value of the file for that environment (and branch),
leaving the project's other variables as they are. It shows what would change
(added, updated, unchanged) first, then saves after you say yes; without a
terminal to ask, it saves only with --yes. New deployments get the values;
redeploy to use them now.

Options:
  -p, --project <slug>        Project (required)
  -e, --environment <env>     production, preview or development
                              (pull: default development; push: required)
  -b, --branch <name>         A branch's Preview overrides (with -e preview)
  -f, --file <path>           pull: file to write (default .env)
      --force                 pull: overwrite the file if it exists
      --sensitive             push: store the values as sensitive (write-only;
                              PUBLIC_, VITE_, NEXT_PUBLIC_ keys stay public)
      --mutable               push: mark them mutable: a new value reaches
                              running server deployments (instances restart
                              one at a time, no rebuild)
      --dry-run               push: show what would change, save nothing
  -y, --yes                   push: save without asking
  -h, --help                  Show this help

A value replacing a sensitive (or mutable) one stays so.

${CONNECTION}

Exit status: 0 done, 1 failed (nothing saved), 2 bad usage.`,

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
