import { type Ctx, systemCtx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { queueDeployment } from "@/lib/deployments/create-deployment";
import { AppError, invalid, unauthorized } from "@/lib/errors/app-error";
import type { Environment, SourceKind } from "@/lib/generated/prisma/enums";
import { withKeyLock } from "@/lib/hooks/keyed-lock";
import { type Push, readPush } from "@/lib/hooks/push-payload";
import { parseSignature, signatureMatches } from "@/lib/hooks/push-signature";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { unseal } from "@/lib/secrets/seal";

export const MAX_PUSH_BYTES = 1 << 20;

export type PushHeaders = { event: string | null; signature: string | null; delivery: string | null };
export type PushAnswer = { status: 200 | 201 | 202; body: Record<string, unknown> };

type HookProject = { id: string; slug: string; teamId: string; sourceKind: SourceKind; productionBranch: string };

const DELIVERY = /^[A-Za-z0-9._-]{1,100}$/;
const NOT_GIT: Record<Exclude<SourceKind, "git">, string> = {
  archive: "This project deploys uploaded archives, not a git repository, so a push cannot deploy it; deploy with `slipway deploy` instead.",
  directory: "This project deploys an example app from this server, not a git repository, so a push cannot deploy it.",
};

// A push from a git host, signed with the project's webhook secret: a push to
// the production branch deploys Production, to any other branch its Preview,
// exactly at the pushed commit. Unsigned requests are refused before anything
// is looked up. An unknown project and one without a secret get the same 404;
// a bad signature on a project with a secret gets 401 (that a slug has a
// webhook is all it tells, and slugs are public host names anyway).
export async function receivePush({ slug, headers, body, ctx = systemCtx(db(), "git-webhook") }: { slug: string; headers: PushHeaders; body: Buffer; ctx?: Ctx }): Promise<PushAnswer> {
  const signature = parseSignature(headers.signature);
  if (!signature) {
    throw unauthorized("The request is not signed: send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body> made with the project's webhook secret.");
  }
  const project = await ctx.db.project.findUnique({
    where: { slug },
    select: { id: true, slug: true, teamId: true, sourceKind: true, productionBranch: true, webhookSecretEnc: true },
  });
  if (!project?.webhookSecretEnc) throw new AppError("not_found", "No push webhook is set up at this URL.");
  const secret = unseal(await currentSecretKey(), project.webhookSecretEnc);
  if (!signatureMatches(secret, body, signature)) {
    throw unauthorized("The signature does not match the body: check that the git host uses the project's current webhook secret.");
  }

  if (!headers.delivery || !DELIVERY.test(headers.delivery)) throw invalid("The X-GitHub-Delivery header (the delivery's id) is missing or malformed.");
  if (!headers.event) throw invalid("The X-GitHub-Event header is missing.");
  if (headers.event === "ping") return { status: 200, body: { event: "ping", result: "pong" } };
  if (headers.event !== "push") return ignored(headers.event, `Only push events deploy; this was a "${headers.event.slice(0, 50)}" event.`);

  const push = readPush(body);
  refuseStale(push.pushedAt);
  if (project.sourceKind !== "git") throw invalid(NOT_GIT[project.sourceKind]);
  if (push.kind === "ignored") return ignored("push", push.reason);
  return deployPush(ctx, project, push, headers.delivery);
}

const ignored = (event: string, reason: string): PushAnswer => ({ status: 202, body: { event: event.slice(0, 50), result: "ignored", reason } });

// A captured request replayed later is refused by its age; within the window,
// by the replay check below.
function refuseStale(pushedAt: number) {
  const maxAge = loadConfig().WEBHOOK_MAX_AGE_SEC;
  const age = Math.round(Date.now() / 1000 - pushedAt);
  if (age > maxAge) {
    throw invalid(`Stale push: it happened ${age} s ago, and pushes older than ${maxAge} s (WEBHOOK_MAX_AGE_SEC) are refused.`, { reason: "stale" });
  }
  if (age < -maxAge) {
    throw invalid(`Stale push: its time is ${-age} s in the future; check the clocks of the git host and this server.`, { reason: "stale" });
  }
}

// One deployment per (project, branch, commit) within the window: a repeated
// delivery (a retry, a replay) answers with the deployment the first one made.
// The lock serialises deliveries of one push within this console process.
async function deployPush(ctx: Ctx, project: HookProject, push: Extract<Push, { kind: "branch" }>, delivery: string): Promise<PushAnswer> {
  const environment: Environment = push.branch === project.productionBranch ? "production" : "preview";
  return withKeyLock(`${project.id}:${push.branch}:${push.sha}`, async () => {
    const since = new Date(Date.now() - loadConfig().WEBHOOK_MAX_AGE_SEC * 1000);
    const earlier = await ctx.db.deployment.findFirst({
      where: { projectId: project.id, branch: push.branch, commitSha: push.sha, sourceKind: "git", createdByKind: "system", createdAt: { gte: since } },
      orderBy: { createdAt: "desc" },
      select: { id: true, environment: true, branch: true, commitSha: true, status: true },
    });
    if (earlier) {
      return { status: 200, body: { event: "push", result: "duplicate", reason: "This push was already received; nothing new was deployed.", deployment: earlier } };
    }
    const request = {
      project,
      environment,
      branch: push.branch,
      source: { kind: "git" as const, sha: push.sha, ref: push.branch },
      message: push.message,
      webhookDelivery: delivery,
    };
    const { deployment } = await queueDeployment(ctx, request);
    const { id, branch, commitSha, status } = deployment;
    return { status: 201, body: { event: "push", result: "deployed", deployment: { id, environment, branch, commitSha, status } } };
  });
}
