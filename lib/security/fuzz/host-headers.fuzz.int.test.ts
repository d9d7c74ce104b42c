import fc from "fast-check";
import { expect, it } from "vitest";
import { parseHost } from "@/lib/router/host-name";
import { fuzz, fuzzTimeout, nastyString, sendable } from "@/lib/security/fuzz/fuzz";
import { expectSafeReply, get, routerFixture } from "@/lib/security/fuzz/router-fixture";

// Random Host headers against a real router with two live projects: a reply
// is a 4xx or the content of the one project the host names (by its route or
// by one of its own deployments' ids), never the other's, never a 5xx.

const f = routerFixture();

function hosts() {
  const { a, b } = f;
  const names = [a.slug, b.slug, `${a.slug}-${a.deploymentId}`, `${a.slug}-${b.deploymentId}`, `${b.slug}-${b.deploymentId}`, `${b.slug}-${a.deploymentId}`, `${a.slug}-git-main`, "localhost", "www.example.com"];
  const variant = fc.tuple(
    fc.constantFrom("", "", "", "x.", "-", ".", "*.", `${b.slug}.`, " ", "\t"),
    fc.constantFrom(...names),
    fc.constantFrom(".localhost", ".localhost", ".LOCALHOST", ".localhost.", ".localhost..", "", ".example.com", ".localhost.evil.test", "%2elocalhost"),
    fc.constantFrom("", "", ":80", ":0", ":99999999", ":-1", ":abc", ":", "@evil.test", "/x", "\\x", " ", `,${b.slug}.localhost`),
    fc.boolean(),
  ).map(([pre, name, domain, suffix, upper]) => {
    const h = `${pre}${name}${domain}${suffix}`;
    return upper ? h.toUpperCase() : h;
  });
  return fc.oneof(
    { weight: 6, arbitrary: variant },
    { weight: 1, arbitrary: fc.domain() },
    { weight: 1, arbitrary: fc.oneof(fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`), fc.constantFrom("[::1]:8080", "127.0.0.1", "0", "")) },
    { weight: 2, arbitrary: nastyString(8) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("a", "a.", "-", "é"), fc.integer({ min: 60, max: 4000 })).map(([s, n]) => s.repeat(n)) },
  );
}

// Whose content a host may get, read the way the router reads it; null for none.
function owner(host: string): "a" | "b" | null {
  const target = parseHost(host, "localhost");
  if (target?.kind === "route") return target.name === f.a.slug ? "a" : target.name === f.b.slug ? "b" : null;
  if (target?.kind === "deployment") {
    if (target.slug === f.a.slug && target.deploymentId === f.a.deploymentId) return "a";
    if (target.slug === f.b.slug && target.deploymentId === f.b.deploymentId) return "b";
  }
  return null;
}

it(
  "random Host headers get the named project's content or a 4xx, never another project's",
  async () => {
    const content = { a: f.a.files.get("index.html")!, b: f.b.files.get("index.html")! };
    await fuzz("host-headers", hosts(), async (raw) => {
      const host = sendable(raw);
      const reply = await get(f.port, "/", host);
      const what = JSON.stringify(host).slice(0, 200);
      expectSafeReply(reply, f.markers, what);
      // HTTP drops spaces and tabs around a header's value before the router sees it.
      const expected = owner(host.replace(/^[ \t]+|[ \t]+$/g, ""));
      if (reply.status >= 200 && reply.status < 300) {
        expect(expected, `${what} got a 2xx`).not.toBeNull();
        expect(reply.body, what).toBe(content[expected!]);
      }
      for (const who of ["a", "b"] as const) if (who !== expected) expect(reply.body.includes(content[who]), `${what} got project ${who}`).toBe(false);
      return `${reply.status}${expected ? `:${expected}` : ""}`;
    });
    for (const s of f.sentinels) await s.intact();
  },
  fuzzTimeout(5),
);
