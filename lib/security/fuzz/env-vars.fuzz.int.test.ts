import fc from "fast-check";
import { expect, it } from "vitest";
import { POST } from "@/app/api/projects/[slug]/env/route";
import { keyProblem, valueProblem } from "@/lib/env-vars/env-rules";
import { apiFixture, callRoute, expectWellFormed, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, veryLong } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";

// Random variable keys and values through POST /api/projects/:slug/env. A
// refusal is a 400 that changes nothing; an accepted key obeys the key rules
// and its value comes back exactly as sent.

const db = testDb();
const f = apiFixture(db);

const key = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/) },
  { weight: 2, arbitrary: fc.constantFrom("PATH", "HOME", "NODE_OPTIONS", "LD_PRELOAD", "SLIPWAY_SECRET_KEY", "NEXT_PUBLIC_X", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "A=B", "A B", "1A", "", "é", "K\0", "K\n", "$(id)", "`id`", "-e") },
  { weight: 2, arbitrary: nastyString(6) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => "K".repeat(n)) },
);
const value = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  { weight: 2, arbitrary: nastyString(10) },
  { weight: 1, arbitrary: fc.constantFrom("$(touch /tmp/pwned)", "`id`", "a\nB=c", "\0", "'; DROP TABLE env_vars; --", "${HOME}", "%s%n") },
  { weight: 1, arbitrary: veryLong },
  { weight: 1, arbitrary: fc.integer({ min: 32 * 1024 - 2, max: 32 * 1024 + 2 }).map((n) => "v".repeat(n)) },
);
const change = fc.record(
  { op: fc.constant("set"), key, value, targets: fc.subarray(["production", "preview", "development"], { minLength: 1 }), sensitive: fc.boolean() },
  { requiredKeys: ["op", "key", "value", "targets"] },
);

it(
  "random keys and values are stored exactly or refused with a 400 that changes nothing",
  async () => {
    const check = await unchangedOnRefusal(db, f.teamId);
    await fuzz("env-keys-values", fc.record({ changes: fc.array(change, { minLength: 1, maxLength: 3 }), dryRun: fc.boolean() }), async (input) => {
      const answer = await callRoute({ handler: POST, method: "POST", url: `/api/projects/${f.slug}/env`, params: { slug: f.slug }, body: JSON.stringify(input), headers: f.auth });
      const what = JSON.stringify(input).slice(0, 500);
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      if (answer.status >= 400) return outcome;
      for (const c of input.changes) {
        expect(keyProblem(c.key), c.key).toBeNull();
        expect(valueProblem(c.value)).toBeNull();
      }
      if (!input.dryRun) {
        const { variables } = JSON.parse(answer.text) as { variables: { key: string; value: string | null; sensitive: boolean }[] };
        // The last set of a key wins.
        const last = new Map(input.changes.map((c) => [c.key, c]));
        for (const [k, c] of last) {
          expect(variables.some((v) => v.key === k && (c.sensitive ? v.sensitive && v.value === null : v.value === c.value)), k).toBe(true);
        }
        await db.envVar.deleteMany({ where: { projectId: f.projectId } });
        await check(answer, "reset");
      }
      return outcome;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(30),
);
