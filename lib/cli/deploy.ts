import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { packDirectory } from "@/lib/archive/pack-directory";
import { ApiClient, type DeploymentView } from "@/lib/cli/api-client";
import { parseDeployArgs, resolveDeployDir } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import { CliError } from "@/lib/cli/errors";
import { followDeployment } from "@/lib/cli/follow";
import { paint } from "@/lib/cli/format";
import { formatBytes } from "@/lib/ui/format";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

export const EXIT_INTERRUPTED = 130;

// slipway deploy [dir] --project <slug>: pack, upload, follow.
export async function deploy(argv: string[], io: Io, deps: { fetch?: typeof fetch; pollMs?: number } = {}): Promise<number> {
  const args = parseDeployArgs(argv);
  if (args.help) {
    io.out(USAGE.deploy);
    return 0;
  }
  const dir = await resolveDeployDir(args.dir, io.cwd);
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const client = new ApiClient(url, token, deps.fetch);
  const out = paint(io.color.out);
  const err = paint(io.color.err);

  const controller = new AbortController();
  const { signal } = controller;
  const stopListening = io.onInterrupt(() => controller.abort());
  let phase: "prepare" | "upload" | "follow" = "prepare";
  let deploymentUrl = "";
  let deploymentId = "";
  const tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-deploy-"));
  try {
    // Token and project first: a typo should not cost a pack and an upload.
    await client.project(args.project, signal);

    const archive = path.join(tmp, "source.tar.gz");
    const packed = await packDirectory(dir, archive, { exclude: (rel) => path.join(dir, rel) === tmp });
    if (packed.files === 0) throw new CliError(`Nothing to deploy: "${args.dir}" has no files (.git, node_modules and .data are left out).`);
    signal.throwIfAborted();
    const bytes = (await stat(archive)).size;

    phase = "upload";
    const { deployment } = await client.uploadDeployment(
      args.project,
      { body: Readable.toWeb(createReadStream(archive)) as ReadableStream<Uint8Array>, bytes },
      { environment: args.environment, branch: args.branch, message: args.message, expiresIn: args.expiresIn, ...(args.debug ? { debug: "true" } : {}) },
      signal,
    );
    deploymentId = deployment.id;
    deploymentUrl = `${url}/projects/${encodeURIComponent(args.project)}/deployments/${deployment.id}`;
    io.out(`Uploaded ${plural(packed.files, "file")} (${formatBytes(bytes)}), build SHA ${deployment.commitSha.slice(0, 12)}`);
    io.out(`Deployment ${deployment.id} ${deployment.status} (${deployment.environment}, branch ${deployment.branch}) — ${out.cyan(deploymentUrl)}`);
    if (!args.follow) return 0;

    phase = "follow";
    const view = await followDeployment({ client, id: deployment.id, io, signal, intervalMs: deps.pollMs });
    return reportOutcome(view, { io, url, slug: args.project, deploymentUrl, out, err });
  } catch (e) {
    if (!signal.aborted) throw e;
    if (phase === "follow") {
      io.err(err.yellow(`Stopped following. Deployment ${deploymentId} keeps going; watch it at ${deploymentUrl}`));
    } else if (phase === "upload") {
      io.err(err.yellow(`Upload interrupted. See ${url}/projects/${encodeURIComponent(args.project)} for what was deployed.`));
    } else {
      io.err(err.yellow("Interrupted; nothing was uploaded."));
    }
    return EXIT_INTERRUPTED;
  } finally {
    stopListening();
    await rm(tmp, { recursive: true, force: true });
  }
}

function reportOutcome(
  view: DeploymentView,
  ctx: { io: Io; url: string; slug: string; deploymentUrl: string; out: ReturnType<typeof paint>; err: ReturnType<typeof paint> },
): number {
  const { deployment: d } = view;
  const { io, out, err } = ctx;
  const projectUrl = `${ctx.url}/projects/${encodeURIComponent(ctx.slug)}`;
  switch (d.status) {
    case "live":
      // The app's URL (a server is live only once its instances are ready); the console's page for older consoles.
      io.out(out.green(`✓ Live: ${d.environment} deployment of ${d.branch} — ${d.url ?? projectUrl}`));
      return 0;
    case "superseded":
      io.out(out.green(`✓ Went live, and a newer deployment has since replaced it — ${projectUrl}`));
      return 0;
    case "canary":
      io.out(out.green(`✓ Canary: the rollout has started; watch or promote it at ${ctx.deploymentUrl}`));
      return 0;
    case "failed":
      io.err(err.red(`✗ Failed at ${d.failureStage ?? "an unknown stage"}: ${d.failureReason ?? "no reason was recorded"}`));
      io.err(`  Full log: ${ctx.deploymentUrl}`);
      return 1;
    case "canceled": {
      const reason = [...(view.events ?? [])].reverse().find((e) => e.toStatus === "canceled")?.reason;
      io.err(err.red(`✗ Canceled${reason ? `: ${reason}` : "."}`));
      return 1;
    }
    default:
      // followDeployment only returns on a final status; be explicit if that changes.
      io.err(err.red(`✗ Stopped at status ${d.status}; see ${ctx.deploymentUrl}`));
      return 1;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
