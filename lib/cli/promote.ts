import { ApiClient } from "@/lib/cli/api-client";
import { parsePromoteArgs } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import { CliError } from "@/lib/cli/errors";
import { formatPromotePreview, paint } from "@/lib/cli/format";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";
import { shortId } from "@/lib/ui/format";

// slipway promote <deploymentId>: show what changes, then promote at once (no
// prompt, like `vercel promote`; the preview is what a script's log keeps).
export async function promote(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const args = parsePromoteArgs(argv);
  if (args.help) {
    io.out(USAGE.promote);
    return 0;
  }
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const client = new ApiClient(url, token, deps.fetch);
  const out = paint(io.color.out);

  const preview = await client.promotePreview(args.id);
  for (const line of formatPromotePreview(preview, out)) io.out(line);
  const pageUrl = `${url}/projects/${encodeURIComponent(preview.project.slug)}/deployments/${args.id}`;
  if (!preview.allowed) {
    // Asking for what already is, is not a failure (a retried script lands here).
    if (preview.live?.id === preview.target.id) {
      io.out(out.green(`✓ Already live on ${preview.route.name}; nothing changed — ${pageUrl}`));
      return 0;
    }
    throw new CliError(preview.reason ?? "This deployment cannot be promoted.");
  }

  if ((preview.migrations ?? []).length > 0 && !args.confirmMigrations) {
    throw new CliError("It was built before the migrations above were applied. To promote it anyway, run again with --confirm-migrations.");
  }
  const { deployment } = await client.promote(args.id, { confirmMigrations: args.confirmMigrations });
  const replaced = preview.live ? `; ${shortId(preview.live.id)} is superseded` : "";
  io.out(out.green(`✓ Live: ${shortId(deployment.id)} now serves ${preview.route.name}${replaced} — ${pageUrl}`));
  return 0;
}
