import { isIP } from "node:net";
import fc from "fast-check";
import { expect, it } from "vitest";
import { POST } from "@/app/api/projects/[slug]/domains/route";
import { loadConfig } from "@/lib/config/env";
import { parseHost } from "@/lib/router/host-name";
import { apiFixture, callRoute, expectWellFormed, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, veryLong } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";

// Random host names through POST /api/projects/:slug/domains. An accepted name
// is a plain lowercase DNS name outside localhost and APPS_DOMAIN that the
// router reads back as that same custom domain; anything else is a 400 that
// saves nothing.

const db = testDb();
const f = apiFixture(db);

const label = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/) },
  { weight: 2, arbitrary: fc.constantFrom("xn--", "xn--nxasmq6b", "-a", "a-", "A", "ÉCOLE", "bücher", "ß", "İ", "\u200b", "\uff0e", "_dmarc", "*", "", " ", "a".repeat(63), "a".repeat(64), "localhost", "0x7f", "127", "01") },
  { weight: 1, arbitrary: nastyString(3) },
);
function hostnames(appsDomain: string) {
  const dotted = fc.tuple(fc.array(label, { minLength: 1, maxLength: 5 }), fc.constantFrom("", "", "", ".", "..", ":443", ":x")).map(([ls, end]) => ls.join(".") + end);
  return fc.oneof(
    { weight: 6, arbitrary: dotted },
    { weight: 2, arbitrary: fc.tuple(dotted, fc.constantFrom(`.${appsDomain}`, ".localhost", ".example.com", `${appsDomain}.evil.test`)).map(([a, b]) => a + b) },
    { weight: 1, arbitrary: fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), fc.ipV6().map((ip) => `[${ip}]`), fc.constantFrom("2130706433", "0x7f000001", "127.1", "::ffff:127.0.0.1", "localhost", appsDomain, `www.${appsDomain}`.toUpperCase())) },
    { weight: 1, arbitrary: fc.webUrl() },
    { weight: 1, arbitrary: nastyString(8) },
    { weight: 1, arbitrary: fc.oneof(veryLong, fc.integer({ min: 60, max: 70 }).map((n) => `${"a.".repeat(n)}com`.padStart(260, "b"))) },
  );
}

const ACCEPTED = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

it(
  "random host names become a plain custom domain the router reads back, or a 400 that saves nothing",
  async () => {
    const appsDomain = loadConfig().APPS_DOMAIN;
    const check = await unchangedOnRefusal(db, f.teamId);
    const input = fc.record({ hostname: hostnames(appsDomain), branch: fc.constantFrom(undefined, null, "feature/x") }, { requiredKeys: ["hostname"] });
    await fuzz("hostnames", input, async (body) => {
      const what = JSON.stringify(body).slice(0, 400);
      const answer = await callRoute({ handler: POST, method: "POST", url: `/api/projects/${f.slug}/domains`, params: { slug: f.slug }, body: JSON.stringify(body), headers: f.auth });
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      if (answer.status >= 400) return outcome;
      const { domain } = JSON.parse(answer.text) as { domain: { id: string; hostname: string } };
      const h = domain.hostname;
      expect(h, what).toMatch(ACCEPTED);
      expect(h.length).toBeLessThanOrEqual(253);
      expect(isIP(h)).toBe(0);
      expect(h === "localhost" || h.endsWith(".localhost") || h === appsDomain || h.endsWith(`.${appsDomain}`), h).toBe(false);
      expect(parseHost(h, appsDomain), h).toEqual({ kind: "domain", hostname: h });
      await db.domain.delete({ where: { id: domain.id } });
      await check(answer, "reset");
      return outcome;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(30),
);
