import type pg from "pg";
import type { SecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

export type ServedCertificate = { serverName: string; cert: string; key: string; notAfter: Date | null; renewing: boolean };

// Every certificate a router serves over HTTPS (issued or uploaded, renewing
// included: the current one serves until its successor is stored), its key
// opened with the router's key ring. A key that cannot be opened is left out
// and said once; the others still serve. `opened` keeps the keys opened by the
// last load (by sealed value), so a resync every ROUTER_RESYNC_SEC opens only new ones.
export async function loadCertificates(
  pool: pg.Pool,
  secretKey: SecretKey,
  opened: Map<string, string>,
  log?: (line: string) => void,
): Promise<ServedCertificate[]> {
  const { rows } = await pool.query<{ hostname: string; cert_pem: string; key_enc: string; not_after: Date | null; state: string }>(
    `SELECT hostname, cert_pem, key_enc, not_after, state FROM certificates WHERE cert_pem IS NOT NULL AND key_enc IS NOT NULL AND (not_after IS NULL OR not_after > now()) ORDER BY hostname`,
  );
  const served: ServedCertificate[] = [];
  const stillOpen = new Map<string, string>();
  for (const row of rows) {
    try {
      const key = opened.get(row.key_enc) ?? unseal(secretKey, row.key_enc);
      stillOpen.set(row.key_enc, key);
      served.push({ serverName: row.hostname, cert: row.cert_pem, key, notAfter: row.not_after, renewing: row.state === "renewing" });
    } catch (e) {
      if (!(e instanceof UnsealError)) throw e;
      log?.(`the certificate key of ${row.hostname} could not be opened (${e.message}); it is not served`);
    }
  }
  opened.clear();
  for (const [sealed, key] of stillOpen) opened.set(sealed, key);
  return served;
}

/** The HTTP-01 answer for a token (RFC 8555 8.3), while its order is validated. */
export async function loadChallenge(pool: pg.Pool, token: string): Promise<string | null> {
  const { rows } = await pool.query<{ key_authorization: string }>(`SELECT key_authorization FROM acme_challenges WHERE token = $1`, [token]);
  return rows[0]?.key_authorization ?? null;
}
