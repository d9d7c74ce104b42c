import type { Ctx } from "@/lib/auth/ctx";
import { checkTxtRecord } from "@/lib/domains/check-txt";
import { toDomainView } from "@/lib/domains/domain-view";
import { findDomain } from "@/lib/domains/find-domain";
import { recordCheck } from "@/lib/domains/record-check";
import { type TxtLookup, txtLookupFromEnv } from "@/lib/domains/resolver";
import { notFound } from "@/lib/errors/app-error";

// Looks up the domain's TXT record now and records the outcome; on success the
// domain is verified and the routers start serving it when this commits. The
// lookup runs outside any transaction: no row lock waits on DNS.
export async function verifyDomain({ ctx, id, lookup = txtLookupFromEnv() }: { ctx: Ctx; id: string; lookup?: TxtLookup }) {
  const domain = await findDomain({ ctx, id, action: "domain.write" });
  const check = await checkTxtRecord(lookup, domain.hostname, domain.verificationToken);
  const updated = await recordCheck(ctx, { id, check, audit: "always" });
  if (!updated) throw notFound("Domain");
  return { domain: toDomainView(updated), verified: check.verified, error: check.verified ? null : check.error };
}
