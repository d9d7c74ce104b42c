import pg from "pg";
import { describe, expect, it } from "vitest";
import { freePort } from "@/lib/platform/free-port";
import { isDatabaseUnreachable, OutageLog } from "@/lib/platform/outage-log";

describe("OutageLog", () => {
  it("logs an outage once when it starts and once when the database is back, other errors as they come", () => {
    const out: string[] = [];
    let t = 1_000_000;
    const log = new OutageLog({ error: (l) => out.push(`E ${l}`), info: (l) => out.push(`I ${l}`) }, () => t);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:54329\n    at TCPConnectWrap.afterConnect"), { code: "ECONNREFUSED" });
    log.ok(); // nothing to end
    for (let s = 0; s < 30; s++) {
      log.error("rollout controller tick failed", refused);
      log.error("reaping lost builds failed", new Error("Can't reach database server at `127.0.0.1:54329`\n\nPlease make sure..."));
      t += 1000;
    }
    expect(log.inOutage).toBe(true);
    log.error("rollout 1: tick failed", new Error('relation "rollouts" does not exist\nsecond line'));
    log.ok();
    log.ok();
    expect(out).toEqual([
      "E database unreachable (connect ECONNREFUSED 127.0.0.1:54329); retrying quietly, and saying so when it is back",
      'E rollout 1: tick failed: relation "rollouts" does not exist',
      "I database reachable again after 30 s (59 more errors while it was away, not shown)",
    ]);
  });

  it("tells a real refused connection and a server going away from a failing query", async () => {
    const port = await freePort();
    const refused = await new pg.Client({ connectionString: `postgresql://x:y@127.0.0.1:${port}/db`, connectionTimeoutMillis: 1000 }).connect().catch((e) => e);
    expect(isDatabaseUnreachable(refused)).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("x"), { code: "P1001" }))).toBe(true);
    expect(isDatabaseUnreachable(new Error("wrapped", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnreachable(new Error("password authentication failed for user \"slipway\""))).toBe(false);
  });
});
