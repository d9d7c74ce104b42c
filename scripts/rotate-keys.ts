// `npm run keys:rotate`: re-seals every secret value under a new key, in
// batches; killed, it finishes the same rotation when run again. Generated key
// (DATA_DIR/secrets): makes the new key itself. SLIPWAY_SECRET_KEY: set it to the
// new key and the old one in SLIPWAY_PREVIOUS_SECRET_KEYS, restart, then run this.
// Prints progress and key ids, never keys or values.
import { ConfigError, loadConfig } from "@/lib/config/env";
import { checkConnection } from "@/lib/db/check-connection";
import { embeddedDatabaseUrl } from "@/lib/db/embedded";
import { SecretKeyError } from "@/lib/secrets/keyring";
import { RotateError, rotateKeys } from "@/lib/secrets/rotate-keys";

const log = (line: string) => console.log(`[keys:rotate]  ${line}`);

async function main(): Promise<number> {
  const config = loadConfig();
  // Without DATABASE_URL: the embedded server `npm start` runs, with the password it saved.
  const databaseUrl = config.DATABASE_URL ?? embeddedDatabaseUrl(config.dataDir, config.EMBEDDED_PG_PORT);
  const unreachable = await checkConnection(databaseUrl);
  if (unreachable) {
    log(unreachable);
    if (!config.DATABASE_URL) log("Start Slipway (`npm start`) first, or set DATABASE_URL.");
    return 1;
  }
  const result = await rotateKeys({ databaseUrl, log });
  return result.finished && result.unreadable.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof ConfigError || e instanceof RotateError || e instanceof SecretKeyError) log(e.message);
    else console.error(e);
    process.exit(1);
  },
);
