import { readRawBody } from "@/lib/hooks/read-raw-body";
import { MAX_PUSH_BYTES, receivePush } from "@/lib/hooks/receive-push";
import { publicRoute } from "@/lib/http/route";

// Git hosts call this without a session; the body's signature is the credential.
export const POST = publicRoute<{ project: string }>(async ({ req, params }) => {
  const body = await readRawBody(req, MAX_PUSH_BYTES);
  const headers = {
    event: req.headers.get("x-github-event"),
    signature: req.headers.get("x-hub-signature-256"),
    delivery: req.headers.get("x-github-delivery"),
  };
  const answer = await receivePush({ slug: params.project, headers, body });
  return Response.json(answer.body, { status: answer.status });
});
