import fc from "fast-check";
import { expect, it } from "vitest";
import { POST } from "@/app/api/projects/route";
import { parseRepoLocation } from "@/lib/projects/repo-location";
import { apiFixture, callRoute, expectWellFormed, unchangedOnRefusal } from "@/lib/security/fuzz/api";
import { fuzz, fuzzTimeout, nastyString, veryLong } from "@/lib/security/fuzz/fuzz";
import { testDb } from "@/lib/testing/db";
import { unique } from "@/lib/testing/seed";

// Random repository URLs through POST /api/projects. An accepted URL is a
// remote (this server does not allow local repositories) that git can only
// read as a location: neither it nor its user, host or path starts with "-"
// (git and ssh would take that as an option), even once percent-decoded, and
// no transport other than https and ssh is named. Anything else is a 400 that
// saves nothing.

const db = testDb();
const f = apiFixture(db);

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom("-oProxyCommand=touch /tmp/pwned", "--upload-pack=touch /tmp/pwned", "-u", "%2doProxyCommand=x", "%2d%2dupload-pack", "localhost", "127.0.0.1", "[::1]", "a:b", "..", ".", "~user", "$(id)", "`id`", "a;b", "a|b", "\n", "\0") },
  { weight: 1, arbitrary: nastyString(3) },
);
const path = fc.array(piece, { minLength: 1, maxLength: 4 }).map((ps) => ps.join("/"));
const scheme = fc.constantFrom("https://", "http://", "ssh://", "git://", "file://", "ext::", "fd::", "HTTPS://", "ssh://-", "git+ssh://", "", "//", "-");
const url = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(scheme, fc.option(fc.tuple(piece, fc.constant("@")).map((p) => p.join("")), { nil: "" }), piece, fc.constantFrom("", ":22", ":-1", ":x"), fc.constantFrom("/", ":", " /"), path).map((p) => p.join("")) },
  { weight: 2, arbitrary: fc.tuple(piece, fc.constantFrom("@", ""), piece, fc.constantFrom(":", ":/", "::"), path).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.constantFrom("/srv/repo.git", "file:///srv/repo.git", "/srv/../etc", "ext::sh -c touch% /tmp/pwned", "-oProxyCommand=x@h:p", "git@-oProxyCommand=x:p", "git@h:-p", "https://-h/x", "ssh://u@-h/x", "ssh://-u@h/x", "  https://h/x  ", "https://h/x\n--upload-pack=x") },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: nastyString(8) },
  { weight: 1, arbitrary: veryLong },
);

function decoded(s: string) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// What must not start with "-": the URL, its user, host and path as git and
// ssh see them, and a URL's user and host once percent-decoded too.
function pieces(location: string): string[] {
  const u = /^(?:https?|ssh):\/\/(?:([^/@]*)@)?([^/]*)\/(.*)$/.exec(location);
  // A URL's path reaches git and the remote as "/<path>", never on its own.
  if (u) return [location, u[1] ?? "", u[2], `/${u[3]}`, decoded(u[1] ?? ""), decoded(u[2])];
  const scp = /^(?:([^@]*)@)?([^:]*):(.*)$/.exec(location);
  return scp ? [location, scp[1] ?? "", scp[2], scp[3]] : [location];
}

it(
  "random repository URLs are stored only as remotes git cannot read as options, or refused with a 400",
  async () => {
    const check = await unchangedOnRefusal(db, f.teamId);
    await fuzz("git-urls", url, async (gitUrl) => {
      const body = { teamId: f.teamId, name: "Fuzz", slug: unique("g"), sourceKind: "git", gitUrl };
      const what = JSON.stringify(gitUrl).slice(0, 300);
      const answer = await callRoute({ handler: POST, method: "POST", url: "/api/projects", params: {}, body: JSON.stringify(body), headers: f.auth });
      const outcome = expectWellFormed(answer, f.sentinel.marker, what);
      await check(answer, what);
      if (answer.status >= 400) return outcome;
      const { project } = JSON.parse(answer.text) as { project: { id: string; gitUrl: string } };
      const location = parseRepoLocation(project.gitUrl);
      expect(location?.kind, what).toBe("remote");
      expect(project.gitUrl).toBe(gitUrl.trim());
      expect(project.gitUrl).toMatch(/^(https?:\/\/|ssh:\/\/|[A-Za-z0-9._][A-Za-z0-9._-]*@)/);
      for (const p of pieces(project.gitUrl)) expect(p.startsWith("-"), `${what}: ${JSON.stringify(p)}`).toBe(false);
      expect(/\s/.test(project.gitUrl), what).toBe(false);
      await db.project.delete({ where: { id: project.id } });
      await check(answer, "reset");
      return outcome;
    });
    await f.sentinel.intact();
  },
  fuzzTimeout(30),
);
