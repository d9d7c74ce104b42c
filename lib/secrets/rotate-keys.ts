import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import pg from "pg";
import { loadConfig } from "@/lib/config/env";
import { persistentSecret, renameSecretFile, replaceSecretFile } from "@/lib/platform/secrets";
import { KEY_FILE, keyFilePath, NEXT_KEY_FILE, PREVIOUS_KEY_FILE, readKeyFiles } from "@/lib/secrets/key-files";
import { keyMode, loadSecretKey, parseSecretKey, type SecretKey } from "@/lib/secrets/keyring";
import { type ResealBudget, type ResealPass, resealValues, type Unreadable } from "@/lib/secrets/reseal-values";

export type RotateOptions = {
  databaseUrl: string;
  env?: NodeJS.ProcessEnv;
  /** Rows re-sealed per statement (one transaction each). */
  batchSize?: number;
  /** Stop after this many batches, as a kill would (tests of resuming). */
  maxBatches?: number;
  /** How long running processes get to start sealing with the new key before the last sweep. */
  graceMs?: number;
  log?: (line: string) => void;
};

export type RotateResult = {
  mode: "env" | "generated";
  keyId: string;
  /** False: stopped early; running it again carries on. */
  finished: boolean;
  resealed: number;
  /** Values no loaded key opens (damaged, or sealed under a key that is gone); left as they are. */
  unreadable: Unreadable[];
};

export class RotateError extends Error {}

// Advisory lock key: one rotation at a time.
const ROTATION_LOCK = 7_310_551;
// Passes after the switch until one finds nothing left under an old key.
const MAX_SWEEPS = 5;

// `npm run keys:rotate`. Generated key (DATA_DIR/secrets): make secret-key.next,
// which every process seals with once it notices it; re-seal everything under
// it; make it secret-key (the old one kept as secret-key.previous); sweep up
// values sealed meanwhile by processes still on the old key; delete the old key.
// Env key: the operator already set SLIPWAY_SECRET_KEY to the new key and the
// old one in SLIPWAY_PREVIOUS_SECRET_KEYS; re-seal everything under the current
// key. Killed at any point, running it again finishes the same rotation.
export async function rotateKeys(opts: RotateOptions): Promise<RotateResult> {
  const env = opts.env ?? process.env;
  const o = {
    batchSize: opts.batchSize ?? 200,
    budget: { batches: opts.maxBatches ?? Infinity },
    graceMs: opts.graceMs ?? 10_000,
    log: opts.log ?? (() => undefined),
  };
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [ROTATION_LOCK]);
    if (!rows[0].locked) throw new RotateError("Another key rotation is running against this database.");
    return keyMode(env) === "env" ? await rotateEnvKey(client, env, o) : await rotateGeneratedKey(client, env, o);
  } finally {
    await client.end();
  }
}

type Run = { batchSize: number; budget: ResealBudget; graceMs: number; log: (line: string) => void };

async function rotateEnvKey(client: pg.Client, env: NodeJS.ProcessEnv, o: Run): Promise<RotateResult> {
  const key = await loadSecretKey(env);
  const previous = key.previous?.length ?? 0;
  o.log(`re-sealing every value under key ${key.id} (SLIPWAY_SECRET_KEY); ${previous} previous key(s) loaded from SLIPWAY_PREVIOUS_SECRET_KEYS`);
  const sweep = await sweepUntilQuiet(client, key, o);
  const result: RotateResult = { mode: "env", keyId: key.id, finished: !sweep.stopped, resealed: sweep.resealed, unreadable: sweep.unreadable };
  if (sweep.stopped) return stoppedEarly(result, o);
  summarize(result, o);
  if (result.unreadable.length > 0) {
    o.log("If you still have the key they were sealed with, add it to SLIPWAY_PREVIOUS_SECRET_KEYS, restart Slipway and run this again; otherwise set those values again.");
  } else if (previous > 0) {
    o.log("SLIPWAY_PREVIOUS_SECRET_KEYS is no longer needed: remove it and restart Slipway.");
  }
  return result;
}

async function rotateGeneratedKey(client: pg.Client, env: NodeJS.ProcessEnv, o: Run): Promise<RotateResult> {
  const { dataDir } = loadConfig(env);
  const file = (name: string) => keyFilePath(dataDir, name);
  const files = readKeyFiles(dataDir);
  let resealed = 0;
  // secret-key.previous without secret-key.next: killed after the switch; only the sweep is left.
  if (files.next || !files.previous) {
    if (files.next) o.log(`resuming the rotation to the key in ${file(NEXT_KEY_FILE)}`);
    else await persistentSecret(dataDir, NEXT_KEY_FILE);
    const key = await loadSecretKey(env);
    if (!files.next) o.log(`new key ${key.id} created in ${file(NEXT_KEY_FILE)}; new values are sealed with it from now on`);
    const pass = await resealValues(client, key, o);
    resealed += pass.resealed;
    if (pass.stopped) return stoppedEarly({ mode: "generated", keyId: key.id, finished: false, resealed, unreadable: pass.unreadable }, o);
    const old = readKeyFiles(dataDir).current;
    const keepOld = old !== undefined && parseSecretKey(old, file(KEY_FILE)).id !== key.id;
    if (keepOld) await replaceSecretFile(file(PREVIOUS_KEY_FILE), `${old}\n`);
    await renameSecretFile(file(NEXT_KEY_FILE), file(KEY_FILE));
    o.log(`key ${key.id} is now ${file(KEY_FILE)}${keepOld ? `; the old key is kept in ${file(PREVIOUS_KEY_FILE)} until the last sweep` : ""}`);
  } else {
    o.log(`finishing the rotation: ${file(PREVIOUS_KEY_FILE)} is still there`);
  }
  const key = await loadSecretKey(env);
  await waitForRunningProcesses(file(KEY_FILE), o);
  const sweep = await sweepUntilQuiet(client, key, o);
  const result: RotateResult = { mode: "generated", keyId: key.id, finished: !sweep.stopped, resealed: resealed + sweep.resealed, unreadable: sweep.unreadable };
  if (sweep.stopped) return stoppedEarly(result, o);
  const hadOld = readKeyFiles(dataDir).previous !== undefined;
  await rm(file(PREVIOUS_KEY_FILE), { force: true });
  summarize(result, o);
  o.log(`${hadOld ? "the old key is no longer needed and was deleted; " : ""}${file(KEY_FILE)} holds key ${key.id}`);
  if (result.unreadable.length > 0) o.log("No key this server has opens the values listed above: set them again.");
  return result;
}

// A process seals with the key it had until it next looks at the key files
// (SEAL_RECHECK_MS), and writes what it sealed a moment later: the last
// sweep starts once that has had time to happen.
async function waitForRunningProcesses(keyFile: string, o: Run) {
  const wait = statSync(keyFile).mtimeMs + o.graceMs - Date.now();
  if (wait <= 0) return;
  o.log(`waiting ${Math.ceil(wait / 1000)} s for running processes to switch to the new key`);
  await new Promise((r) => setTimeout(r, wait));
}

async function sweepUntilQuiet(client: pg.Client, key: SecretKey, o: Run): Promise<ResealPass> {
  let total = 0;
  for (let i = 0; i < MAX_SWEEPS; i++) {
    const pass = await resealValues(client, key, o);
    total += pass.resealed;
    if (pass.stopped || (pass.resealed === 0 && pass.skipped === 0)) return { ...pass, resealed: total };
  }
  throw new RotateError(`Values kept changing under an old key for ${MAX_SWEEPS} passes; the old key is kept. Run this again.`);
}

function stoppedEarly(result: RotateResult, o: Run): RotateResult {
  o.log(`stopped after the batch limit with ${result.resealed} value(s) re-sealed; run it again to finish the rotation`);
  return result;
}

const SHOWN_UNREADABLE = 20;

function summarize(result: RotateResult, o: Run) {
  o.log(`done: ${result.resealed} value(s) re-sealed; every readable value is sealed with key ${result.keyId}`);
  if (result.unreadable.length === 0) return;
  o.log(`${result.unreadable.length} value(s) could not be opened and were left as they are:`);
  for (const u of result.unreadable.slice(0, SHOWN_UNREADABLE)) o.log(`  ${u.what}: ${u.reason}`);
  if (result.unreadable.length > SHOWN_UNREADABLE) o.log(`  … and ${result.unreadable.length - SHOWN_UNREADABLE} more`);
}
