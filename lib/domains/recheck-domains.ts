import type { Ctx } from "@/lib/auth/ctx";
import { checkTxtRecord } from "@/lib/domains/check-txt";
import { recordCheck } from "@/lib/domains/record-check";
import { type TxtLookup, txtLookupFromEnv } from "@/lib/domains/resolver";
import { forbidden } from "@/lib/errors/app-error";

type Claimed = { id: string; hostname: string; verification_token: string };

// The worker's periodic re-check (every minute, lib/jobs/registry.ts): pending
// domains not checked in the last minute (50 s, so each run takes those the
// previous run checked), and verified ones once a day (a record that
// disappeared is reported, never unrouted: record-check.ts). A batch is claimed by stamping last_checked_at under FOR UPDATE SKIP LOCKED,
// so concurrent runs never check one domain twice and no lock is held during
// the lookups; a run that dies mid-batch leaves those domains for a later run.
export async function recheckDomains({ ctx, lookup = txtLookupFromEnv(), batchSize = 20, maxBatches = 25 }: { ctx: Ctx; lookup?: TxtLookup; batchSize?: number; maxBatches?: number }) {
  if (ctx.actor.kind !== "system") throw forbidden();
  const tally = { checked: 0, verified: 0 };
  for (let batch = 0; batch < maxBatches; batch++) {
    const claimed = await ctx.db.$queryRaw<Claimed[]>`
      UPDATE domains SET last_checked_at = now()
      WHERE id IN (
        SELECT id FROM domains
        WHERE (status = 'pending' AND (last_checked_at IS NULL OR last_checked_at < now() - interval '50 seconds'))
           OR (status = 'verified' AND (last_checked_at IS NULL OR last_checked_at < now() - interval '1 day'))
        ORDER BY last_checked_at ASC NULLS FIRST
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, hostname, verification_token`;
    const outcomes = await Promise.all(
      claimed.map(async (d) => {
        const check = await checkTxtRecord(lookup, d.hostname, d.verification_token);
        return recordCheck(ctx, { id: d.id, check, audit: "on-change" });
      }),
    );
    tally.checked += claimed.length;
    tally.verified += outcomes.filter((d) => d?.status === "verified").length;
    if (claimed.length < batchSize) break;
  }
  return tally;
}
