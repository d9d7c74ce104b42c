import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { parseInput } from "@/lib/errors/parse-input";
import { isTerminal } from "@/lib/deployments/lifecycle";
import { loadDeployment } from "@/lib/deployments/load-deployment";

const input = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

// A page of build log lines after `after` (by seq), for live following and for
// the virtualized viewer's chunks. `done` tells the reader to stop polling.
export async function getBuildLog({ ctx, id, input: raw }: { ctx: Ctx; id: string; input: unknown }) {
  const { after, limit } = parseInput(input, raw);
  const { deployment } = await loadDeployment(ctx, id);
  const [lines, last] = await Promise.all([
    ctx.db.buildLogLine.findMany({
      where: { deploymentId: id, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: limit,
      select: { seq: true, stream: true, text: true, createdAt: true },
    }),
    ctx.db.buildLogLine.findFirst({ where: { deploymentId: id }, orderBy: { seq: "desc" }, select: { seq: true } }),
  ]);
  const done = isTerminal(deployment.status) || deployment.status === "canary";
  return {
    lines: lines.map((l) => ({ seq: l.seq, stream: l.stream, text: l.text, at: l.createdAt })),
    lastSeq: last?.seq ?? 0,
    done,
    status: deployment.status,
  };
}
