import { z } from "zod";
import { invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { branchName } from "@/lib/projects/project-input";

// The fields of a GitHub-style push event Slipway reads; anything else in it is ignored.
const pushPayload = z.object({
  ref: z.string({ error: "A push names the ref it updated (refs/heads/<branch>)." }).max(300, "Too long for a ref."),
  after: z.string({ error: "A push names the commit it pushed." }),
  deleted: z.boolean().default(false),
  head_commit: z.object({ message: z.string().nullish() }).nullish(),
  repository: z.object({
    pushed_at: z.number({ error: "Unix seconds of the push are required." }).int("Unix seconds of the push are required."),
  }, { error: "A push names its repository." }),
});

const ZERO_SHA = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/i;

export type Push =
  | { kind: "ignored"; pushedAt: number; reason: string }
  | { kind: "branch"; pushedAt: number; branch: string; sha: string; message: string | null };

// What a push asks for: a branch at a commit, or nothing to deploy (a tag, a
// deleted branch). A branch name Slipway would not accept from a person is refused.
export function readPush(body: Buffer): Push {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid("The body is not JSON; set the webhook's content type to application/json.");
  }
  const push = parseInput(pushPayload, json);
  const pushedAt = push.repository.pushed_at;
  if (push.ref.startsWith("refs/tags/")) return { kind: "ignored", pushedAt, reason: "Tag pushes are not deployed; push a branch." };
  if (!push.ref.startsWith("refs/heads/")) return { kind: "ignored", pushedAt, reason: `Only branch pushes are deployed (ref ${push.ref}).` };
  if (push.deleted || ZERO_SHA.test(push.after)) return { kind: "ignored", pushedAt, reason: "The branch was deleted; there is nothing to deploy." };
  const branch = branchName.safeParse(push.ref.slice("refs/heads/".length));
  if (!branch.success) throw invalid(`branch: ${branch.error.issues[0].message}`);
  if (!SHA.test(push.after)) throw invalid("after must be a full commit SHA (40 hex digits).");
  return { kind: "branch", pushedAt, branch: branch.data, sha: push.after.toLowerCase(), message: commitSubject(push.head_commit?.message) };
}

// The subject line, as a build records it when it reads the commit itself.
function commitSubject(message: string | null | undefined): string | null {
  const subject = message?.trim().split("\n")[0].trim().slice(0, 500);
  return subject || null;
}
