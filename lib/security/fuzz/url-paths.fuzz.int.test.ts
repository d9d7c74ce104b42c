import { createHash } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { fuzz, fuzzTimeout, nastyString, sendable, wellFormed } from "@/lib/security/fuzz/fuzz";
import { expectSafeReply, get, routerFixture } from "@/lib/security/fuzz/router-fixture";

// Random request paths (encoded "..", %2e, %00, backslashes, double encoding,
// overlong UTF-8, very long) against a real router serving a real bundle. A 2xx
// body is one of the bundle's files; never a 5xx; the sentinels next to the
// store are never read, and another project's blob in the same store is never
// served through this project's host.

const f = routerFixture();

const DOTS = ["..", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "%c0%ae%c0%ae", "%e0%80%ae", "..%00", "..%2f", "..%5c", "....", "%u002e%u002e", "%%32%65%%32%65"];
const SEPS = ["/", "%2f", "%2F", "%5c", "\\", "//", "/./", "%252f", ";/", "%c0%af", "%00/"];
const NAMES = ["etc/passwd", "secret.txt", "store", "sentinel", "store/sentinel", "index.html", "a/b.txt", "a", "%00", "x%00.html", "proc/self/environ", "..;", ".env", "index.html%00.png", "C:", "a/b.txt/"];

function paths(blobs: string[]) {
  const part = fc.tuple(fc.constantFrom(...SEPS), fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...DOTS) }, { weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...blobs) }, { weight: 1, arbitrary: nastyString(3).map((t) => encodeURI(wellFormed(t))) }));
  const built = fc.tuple(fc.array(part, { minLength: 1, maxLength: 8 }), fc.constantFrom("", "", "?x=1", "#frag", "?../../etc/passwd")).map(([parts, tail]) => parts.flat().join("") + tail);
  return fc.oneof(
    { weight: 8, arbitrary: built },
    { weight: 1, arbitrary: fc.constantFrom("/../../../../etc/passwd", "//etc/passwd", "/C:/Windows/win.ini", "*", "", "http://evil.test/", "/%", "/%zz", `/${"a".repeat(3000)}`, `/${"../".repeat(500)}etc/passwd`, ...blobs.map((b) => `/../store/${b.slice(0, 2)}/${b}`)) },
    { weight: 1, arbitrary: fc.webPath() },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("a", "../", "%2e%2e/", "é"), fc.integer({ min: 100, max: 3000 })).map(([s, n]) => `/${s.repeat(n)}`) },
  );
}

it(
  "random URL paths get one of the bundle's files or a 4xx, never anything outside it",
  async () => {
    const allowed = new Set(f.a.files.values());
    // B's blobs sit in the same store: their digests are guessable names for a path to try.
    const blobs = [...f.b.files.values(), ...f.a.files.values()].map((t) => createHash("sha256").update(t).digest("hex"));
    await fuzz("url-paths", paths(blobs), async (p) => {
      const target = sendable(p).replace(/ /g, "%20");
      const reply = await get(f.port, target, `${f.a.slug}.localhost`);
      expectSafeReply(reply, f.markers, target);
      for (const text of f.b.files.values()) expect(reply.body.includes(text), `${target} served project B`).toBe(false);
      if (reply.status >= 200 && reply.status < 300) expect(allowed.has(reply.body), `${target} → ${JSON.stringify(reply.body.slice(0, 80))}`).toBe(true);
      return String(reply.status);
    });
    for (const s of f.sentinels) await s.intact();
  },
  fuzzTimeout(5),
);
