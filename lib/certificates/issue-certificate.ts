import * as acme from "acme-client";
import type { Db } from "@/lib/db/client";
import { acmeClient } from "@/lib/certificates/acme-account";
import type { AcmeSettings } from "@/lib/certificates/acme-settings";
import { AcmeRateLimited } from "@/lib/certificates/acme-rate-limit";
import { issuedColumns, readCertificate, renewalTime } from "@/lib/certificates/certificate-info";
import { type TxtChange, updateTxt } from "@/lib/certificates/dns-update";
import { notifyCertificatesChanged } from "@/lib/certificates/notify-certificates";
import type { SecretKey } from "@/lib/secrets/keyring";
import { seal } from "@/lib/secrets/seal";

export type IssueDeps = { db: Db; secretKey: SecretKey; settings: AcmeSettings; log?: (line: string) => void; now?: () => Date };

// Retries after a failure: 1 min, 2, 4… up to 6 h; a CA that says "rate
// limited" is asked again in an hour at the soonest.
const RETRY_MIN_MS = 60_000;
const RETRY_MAX_MS = 6 * 3600_000;
const RATE_LIMITED_MS = 3600_000;
// After a failure: a minute, doubling up to six hours. Rate limited: when the
// CA's Retry-After says (at least a minute), else an hour at least.
export function retryDelayMs(attempts: number, e?: unknown): number {
  const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, attempts - 1));
  if (!(e instanceof AcmeRateLimited)) return backoff;
  return e.retryAfterMs !== null ? Math.max(RETRY_MIN_MS, e.retryAfterMs) : Math.max(RATE_LIMITED_MS, backoff);
}

// Orders a certificate for one host name from the ACME CA and stores it
// (RFC 8555: order, HTTP-01 authorization answered by every router from
// acme_challenges, or DNS-01 through an RFC 2136 update for the wildcard
// *.<APPS_DOMAIN>; finalize with a fresh P-256 key, download the chain). The
// row must be claimed (lib/certificates/tend-certificates.ts). On success the
// routers are told and serve it; on failure the CA's message is kept with the
// next attempt's time, and a certificate already issued keeps serving.
export async function issueCertificate(deps: IssueDeps, hostname: string): Promise<"issued" | "failed"> {
  const { db, secretKey, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const tokens: string[] = [];
  const records: TxtChange[] = [];
  const wildcard = hostname.startsWith("*.");
  try {
    if (wildcard && (!settings.dns || settings.dns.wildcard !== hostname)) throw new Error(`${hostname} needs DNS-01, and ACME_DNS_SERVER is not set for it.`);
    const dns = settings.dns;
    const client = await acmeClient(db, secretKey, settings);
    const key = await acme.crypto.createPrivateEcdsaKey();
    const [, csr] = await acme.crypto.createCsr({ commonName: hostname, altNames: [hostname] }, key);
    const chain = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      email: settings.email ?? undefined,
      challengePriority: wildcard ? ["dns-01"] : ["http-01"],
      // The CA checks the answers itself; a check from here would go through this machine's DNS, not the world's.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type === "dns-01") {
          // For the wildcard the CA asks for the TXT record of the base name (RFC 8555 8.4).
          const record: TxtChange = { op: "add", name: `_acme-challenge.${authz.identifier.value}`, value: keyAuthorization };
          await updateTxt(dns!, record);
          records.push(record);
          return;
        }
        tokens.push(challenge.token);
        await db.acmeChallenge.upsert({ where: { token: challenge.token }, create: { token: challenge.token, keyAuthorization, hostname }, update: { keyAuthorization } });
      },
      challengeRemoveFn: async (_authz, challenge) => {
        if (challenge.type === "http-01") await db.acmeChallenge.deleteMany({ where: { token: challenge.token } });
      },
    });
    const keyPem = key.toString();
    const info = readCertificate(chain, { keyPem, hostname });
    const keyEnc = seal(secretKey, keyPem);
    // Only while it is still the CA's to fill: an operator may have uploaded their own meanwhile.
    const stored = await db.$transaction(async (tx) => {
      const { count } = await tx.certificate.updateMany({
        where: { hostname, source: "acme" },
        data: { ...issuedColumns(chain, keyEnc, info, now()), nextAttemptAt: renewalTime(info) },
      });
      if (count > 0) await notifyCertificatesChanged(tx);
      return count > 0;
    });
    if (!stored) return "failed";
    deps.log?.(`certificate for ${hostname} issued by ${info.issuer}, valid until ${info.notAfter.toISOString()}`);
    return "issued";
  } catch (e) {
    const message = caMessage(e);
    const row = await db.certificate.findUnique({ where: { hostname }, select: { attempts: true, certPem: true, source: true } });
    if (!row || row.source !== "acme") return "failed"; // its domain went away, or its operator uploaded one, meanwhile
    const attempts = row.attempts + 1;
    await db.certificate.updateMany({
      where: { hostname, source: "acme" },
      data: {
        // An issued certificate keeps serving until it expires; the failure is shown beside it.
        state: row.certPem ? "issued" : "failed",
        lastError: message,
        attempts,
        nextAttemptAt: new Date(now().getTime() + retryDelayMs(attempts, e)),
      },
    });
    deps.log?.(`certificate for ${hostname} failed (attempt ${attempts}): ${message}`);
    return "failed";
  } finally {
    if (tokens.length) await db.acmeChallenge.deleteMany({ where: { token: { in: tokens } } }).catch(() => undefined);
    // The TXT records go whatever happened (a failed order's too); a removal that fails is said, not thrown.
    for (const r of records) {
      await updateTxt(settings.dns!, { ...r, op: "delete" }).catch((e) => deps.log?.(`the TXT record ${r.name} could not be removed: ${(e as Error).message}`));
    }
  }
}

// acme-client's errors carry the CA's own words (an RFC 7807 problem's detail).
const caMessage = (e: unknown) => ((e as Error).message || String(e)).slice(0, 2000);
