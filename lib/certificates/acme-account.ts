import https from "node:https";
import * as acme from "acme-client";
import type { Db } from "@/lib/db/client";
import { guardAgainstRateLimitSleeps } from "@/lib/certificates/acme-rate-limit";
import type { AcmeSettings } from "@/lib/certificates/acme-settings";
import type { SecretKey } from "@/lib/secrets/keyring";
import { seal, sealedKeyId, unseal } from "@/lib/secrets/seal";

// The ACME client of a directory, with the account Slipway keeps there: its
// key is made once, sealed like a secret (acme_accounts), and registered
// (with the e-mail and External Account Binding, if configured) on first use.
export async function acmeClient(db: Db, secretKey: SecretKey, settings: AcmeSettings): Promise<acme.Client> {
  // A rate-limited answer fails the order at once, never slept on inside the pass (acme-rate-limit.ts).
  guardAgainstRateLimitSleeps();
  // acme-client talks through its own axios instance; a private CA's root is trusted there only.
  acme.axios.defaults.httpsAgent = settings.ca ? new https.Agent({ ca: settings.ca }) : undefined;
  let account = await db.acmeAccount.findUnique({ where: { directoryUrl: settings.directoryUrl } });
  if (!account) {
    const keyEnc = seal(secretKey, (await acme.crypto.createPrivateEcdsaKey()).toString());
    account = await db.acmeAccount.upsert({
      where: { directoryUrl: settings.directoryUrl },
      create: { directoryUrl: settings.directoryUrl, keyEnc, keyId: sealedKeyId(keyEnc)! },
      update: {},
    });
  }
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: unseal(secretKey, account.keyEnc),
    accountUrl: account.accountUrl ?? undefined,
    externalAccountBinding: settings.eab ?? undefined,
  });
  if (!account.accountUrl) {
    await client.createAccount({ termsOfServiceAgreed: true, ...(settings.email ? { contact: [`mailto:${settings.email}`] } : {}) });
    await db.acmeAccount.update({ where: { id: account.id }, data: { accountUrl: client.getAccountUrl() } });
  }
  return client;
}
