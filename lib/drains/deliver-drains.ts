import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { guardedLookup } from "@/lib/drains/drain-address";
import type { Db } from "@/lib/db/client";
import type { LogDrain } from "@/lib/generated/prisma/client";
import { logLineView } from "@/lib/logs/list-logs";
import type { SecretKey } from "@/lib/secrets/keyring";
import { unseal } from "@/lib/secrets/seal";

// Log drains' deliveries, run by every worker about once a second. Each due
// drain is leased by one worker (SKIP LOCKED), which reads the project's
// lines after the drain's cursor (at most BATCH), POSTs them as NDJSON with
// a signature, and moves the cursor only when the endpoint answered 2xx: a
// line is delivered at least once, in order, and a failure costs nothing but
// time. Failures back off (1 s, 2 s, 4 s… up to 5 minutes) and are shown in
// the console. The router never waits for any of this: it only writes to
// log_lines.
//
// Each request carries:
//   content-type: application/x-ndjson   (one line object per line, the API's shape)
//   x-slipway-drain: <drain id>
//   x-slipway-timestamp: <Unix seconds>
//   x-slipway-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the drain's secret>

const BATCH = 1000;
const LEASE_MS = 30_000;
const TIMEOUT_MS = 10_000;
const IDLE_RETRY_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60_000;
const MAX_DRAINS_PER_PASS = 20;

export type DeliveryOptions = { db: Db; secretKey: SecretKey; allowPrivate: boolean; traceUrl?: string; log?: (line: string) => void };

export function signDrainBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** One pass: every drain that is due gets its next batch (or its retry). Returns the lines delivered. */
export async function deliverDueDrains(opts: DeliveryOptions): Promise<number> {
  const leased = await opts.db.$queryRaw<LogDrain[]>`
    UPDATE log_drains SET leased_until = now() + ${LEASE_MS} * interval '1 millisecond'
    WHERE id IN (
      SELECT id FROM log_drains
      WHERE next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
      ORDER BY next_attempt_at LIMIT ${MAX_DRAINS_PER_PASS}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, project_id AS "projectId", url, secret_enc AS "secretEnc", cursor, failures`;
  const delivered = await Promise.all(leased.map((d) => deliverOne(opts, d)));
  return delivered.reduce((a, b) => a + b, 0);
}

async function deliverOne(opts: DeliveryOptions, drain: Pick<LogDrain, "id" | "projectId" | "url" | "secretEnc" | "cursor" | "failures">): Promise<number> {
  const { db } = opts;
  const lines = await db.logLine.findMany({
    where: { projectId: drain.projectId, id: { gt: drain.cursor } },
    orderBy: [{ projectId: "asc" }, { id: "asc" }],
    take: BATCH,
  });
  if (lines.length === 0) {
    await db.logDrain.updateMany({ where: { id: drain.id }, data: { leasedUntil: null, nextAttemptAt: new Date(Date.now() + IDLE_RETRY_MS) } });
    return 0;
  }
  const body = `${lines.map((l) => JSON.stringify(logLineView(l, opts.traceUrl))).join("\n")}\n`;
  let failure: string | null;
  try {
    failure = await post(drain.url, drain.id, unseal(opts.secretKey, drain.secretEnc), body, opts.allowPrivate);
  } catch (e) {
    failure = `Its secret could not be opened (${(e as Error).message}); remove the drain and add it again.`;
  }
  const last = lines[lines.length - 1].id;
  if (failure === null) {
    // updateMany: a drain removed meanwhile is simply gone.
    await db.logDrain.updateMany({
      where: { id: drain.id },
      data: {
        cursor: last,
        delivered: { increment: lines.length },
        lastDeliveredAt: new Date(),
        failures: 0,
        lastError: null,
        leasedUntil: null,
        // A full batch: more are waiting, go on at the next pass.
        nextAttemptAt: new Date(Date.now() + (lines.length === BATCH ? 0 : IDLE_RETRY_MS)),
      },
    });
    return lines.length;
  }
  const failures = drain.failures + 1;
  const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
  await db.logDrain.updateMany({ where: { id: drain.id }, data: { failures, lastError: failure, leasedUntil: null, nextAttemptAt: new Date(Date.now() + backoff) } });
  if (failures === 1) opts.log?.(`log drain ${drain.id} (${new URL(drain.url).host}) failed: ${failure}; retrying with backoff`);
  return 0;
}

// null when the endpoint took it (2xx), else why not, in words.
function post(url: string, drainId: string, secret: string, body: string, allowPrivate: boolean): Promise<string | null> {
  const target = new URL(url);
  const timestamp = Math.floor(Date.now() / 1000);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: "POST",
        lookup: guardedLookup(allowPrivate),
        timeout: TIMEOUT_MS,
        headers: {
          "content-type": "application/x-ndjson",
          "content-length": Buffer.byteLength(body),
          "user-agent": "Slipway-Log-Drain",
          "x-slipway-drain": drainId,
          "x-slipway-timestamp": String(timestamp),
          "x-slipway-signature": signDrainBody(secret, timestamp, body),
        },
      },
      (res) => {
        let answer = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (answer = (answer + c).slice(0, 300)));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? null : `The endpoint answered ${status}${answer.trim() ? `: ${answer.trim().split("\n")[0].slice(0, 200)}` : ""}.`);
        });
        res.on("error", (e) => resolve(`The response broke off: ${e.message}.`));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on("error", (e) => resolve(`The request failed: ${e.message}.`));
    req.end(body);
  });
}
