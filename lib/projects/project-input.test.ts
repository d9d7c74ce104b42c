import { describe, expect, it } from "vitest";
import { createProjectInput, gitUrl, projectSlug } from "@/lib/projects/project-input";

const TEAM = "5b0b7d0e-4a51-4b7e-9d51-3f6f0c2a9b11";
const parse = (input: Record<string, unknown>) =>
  createProjectInput.safeParse({ teamId: TEAM, name: "Demo", sourceKind: "archive", ...input });

describe("projectSlug", () => {
  it.each(["ab", "my-app", "app2", "a".repeat(32), "x-1-y"])("accepts %s", (slug) => {
    expect(projectSlug.safeParse(slug).success).toBe(true);
  });

  it.each([
    ["a", /2 to 32/],
    ["a".repeat(33), /2 to 32/],
    ["My-App", /lowercase/],
    ["-app", /start and end/],
    ["app-", /start and end/],
    ["my_app", /lowercase/],
    ["my--app", /two hyphens/],
    ["my-git-app", /-git-/],
  ])("rejects %s", (slug, message) => {
    const result = projectSlug.safeParse(slug);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join(" ")).toMatch(message);
  });
});

describe("createProjectInput", () => {
  it("derives the slug from the name when none is given", () => {
    expect(parse({ name: "  My Cool App! " }).data?.slug).toBe("my-cool-app");
    expect(parse({ name: "Ünïcode -- Stuff" }).data?.slug).toBe("n-code-stuff");
    const long = parse({ name: "a very long project name that goes past the limit" }).data?.slug;
    expect(long).toBe("a-very-long-project-name-that-go");
  });

  it("never derives a slug ending in a hyphen after cutting it to 32 characters", () => {
    expect(parse({ name: "abcdefghijklmnopqrstuvwxyz abcde fgh" }).data?.slug).toBe("abcdefghijklmnopqrstuvwxyz-abcde");
    expect(parse({ name: "abcdefghijklmnopqrstuvwxyz abcd efgh" }).data?.slug).toBe("abcdefghijklmnopqrstuvwxyz-abcd");
  });

  it("reports a slug derived from the name under the slug field", () => {
    const result = parse({ name: "My Git App" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["slug"], message: expect.stringMatching(/-git-/) });
    expect(parse({ name: "!!" }).error?.issues[0].path).toEqual(["slug"]);
  });

  it("prefers an explicit slug and fills defaults", () => {
    expect(parse({ slug: "chosen" }).data).toMatchObject({ slug: "chosen", productionBranch: "main", outputDirectory: "dist" });
  });

  it.each(["dist", "build/out", ".output/public", "..hidden"])("accepts output directory %s", (dir) => {
    expect(parse({ outputDirectory: dir }).success).toBe(true);
  });

  it.each(["..", "../dist", "a/../../b", "a/..", "/abs", "a b"])("rejects output directory %s", (dir) => {
    expect(parse({ outputDirectory: dir }).error?.issues[0].path).toEqual(["outputDirectory"]);
  });
});

describe("gitUrl", () => {
  it.each([
    "https://github.com/example/demo.git",
    "http://git.local/team/demo",
    "ssh://git@github.com/example/demo.git",
    "git@github.com:example/demo.git",
    "https://user:token@git.example.com/a/b.git",
    // Local repositories parse; the verb refuses them unless ALLOW_LOCAL_GIT=true.
    "file:///srv/repo.git",
    "/srv/repo.git",
  ])("accepts %s", (url) => {
    expect(gitUrl.safeParse(url).success).toBe(true);
  });

  it.each([
    "--upload-pack=touch /tmp/x",
    "file://host/srv/repo.git",
    "/srv/../etc/repo.git",
    "relative/repo.git",
    "ext::sh -c touch% /tmp/x",
    "ssh://-oProxyCommand=touch%20x/demo.git",
    "ssh://git@-oProxyCommand=x/demo.git",
    "git@host:-upload-pack=x",
    "-x@host:demo.git",
    "git@-oProxyCommand=x:demo.git",
    "https://github.com/example/demo.git --upload-pack=x",
    // Found by lib/security/fuzz/git-urls.fuzz.int.test.ts: a "-" once percent-decoded.
    "https://%2doProxyCommand=x@host/demo.git",
    "ssh://git@%2DoProxyCommand=x/demo.git",
  ])("rejects %s", (url) => {
    expect(gitUrl.safeParse(url).success).toBe(false);
  });
});
