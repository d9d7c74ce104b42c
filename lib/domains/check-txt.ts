import type { TxtLookup } from "@/lib/domains/resolver";
import { txtRecordName, txtRecordValue } from "@/lib/domains/hostname";

export type TxtCheck = { verified: true } | { verified: false; error: string };

// Resolver error codes that mean "no such record" rather than "DNS is broken".
const NO_RECORD = new Set(["ENOTFOUND", "ENODATA"]);
const TIMED_OUT = new Set(["ETIMEOUT", "ECANCELLED"]);

// Whether `_slipway.<hostname>` has a TXT record holding `slipway-verify=<token>`;
// when not, why, in words a person can act on. Quotes pasted into a DNS
// provider's form around the value are forgiven.
export async function checkTxtRecord(lookup: TxtLookup, hostname: string, token: string): Promise<TxtCheck> {
  const name = txtRecordName(hostname);
  let records: string[];
  try {
    records = await lookup(name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    if (NO_RECORD.has(code)) return { verified: false, error: `No TXT record at ${name}` };
    return { verified: false, error: `DNS lookup failed: ${lookupFailure(code)}` };
  }
  if (records.length === 0) return { verified: false, error: `No TXT record at ${name}` };
  const expected = txtRecordValue(token);
  const found = records.some((r) => r.trim().replace(/^"(.*)"$/, "$1").trim() === expected);
  return found ? { verified: true } : { verified: false, error: "TXT record found but the token does not match" };
}

function lookupFailure(code: string): string {
  if (TIMED_OUT.has(code)) return "timed out";
  if (code === "ECONNREFUSED") return "the DNS server refused the connection";
  // c-ares codes are the DNS response codes with an E in front (ESERVFAIL, EREFUSED).
  return /^E[A-Z]+$/.test(code) ? code.slice(1) : "unexpected error";
}
