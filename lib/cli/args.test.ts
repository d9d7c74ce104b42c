import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  normalizeConsoleUrl,
  parseDeployArgs,
  parseEnvPullArgs,
  parseEnvPushArgs,
  parseLoginArgs,
  parseLogoutArgs,
  parsePromoteArgs,
  resolveDeployDir,
} from "@/lib/cli/args";
import { CliError } from "@/lib/cli/errors";
import { usageError } from "@/lib/cli/testing";

describe("parseDeployArgs", () => {
  it("defaults to the current directory, following, with no environment or branch", () => {
    expect(parseDeployArgs(["--project", "demo"])).toEqual({
      help: false,
      dir: ".",
      project: "demo",
      environment: undefined,
      branch: undefined,
      message: undefined,
      follow: true,
      expiresIn: undefined,
      debug: false,
      url: undefined,
      token: undefined,
    });
    expect(parseDeployArgs(["-p", "demo", "--debug", "--expires-in", "2h"])).toMatchObject({ debug: true, expiresIn: "2h" });
  });

  it("reads the directory, long and short flags, --no-follow and the connection flags", () => {
    const args = parseDeployArgs(["site", "-p", "demo", "-e", "preview", "-b", "feat/x", "-m", " fix  the  header ", "--no-follow", "--url", "https://c.example", "--token=slw_x"]);
    expect(args).toMatchObject({
      dir: "site",
      project: "demo",
      environment: "preview",
      branch: "feat/x",
      message: "fix  the  header",
      follow: false,
      url: "https://c.example",
      token: "slw_x",
    });
  });

  it("returns help without checking anything else", () => {
    expect(parseDeployArgs(["--help"])).toEqual({ help: true });
    expect(parseDeployArgs(["-h", "--env", "nope"])).toEqual({ help: true });
  });

  it("refuses unknown flags, a missing project, a bad environment and extra arguments", () => {
    expect(usageError(() => parseDeployArgs(["--project", "demo", "--prod"])).message).toBe("Unknown option --prod.");
    expect(usageError(() => parseDeployArgs(["."])).message).toMatch(/Missing --project/);
    expect(usageError(() => parseDeployArgs(["-p", "demo", "--env", "staging"])).message).toBe('--env must be production or preview, not "staging".');
    expect(usageError(() => parseDeployArgs(["a", "b", "-p", "demo"])).message).toBe('Unexpected argument: "b".');
    expect(usageError(() => parseDeployArgs(["-p", "demo", "--branch"])).message).toBe("Option --branch needs a value.");
    expect(usageError(() => parseDeployArgs(["-p", "demo", "-b", "--no-follow"])).message).toBe("Option -b needs a value.");
    expect(usageError(() => parseDeployArgs(["-p", "demo", "-z"])).message).toBe("Unknown option -z.");
    expect(usageError(() => parseDeployArgs(["-p", "demo", "--no-follow=yes"])).message).toBe("Option --no-follow does not take a value.");
    expect(usageError(() => parseDeployArgs(["-p", " "])).message).toBe("--project must not be empty.");
    expect(usageError(() => parseDeployArgs(["-p", "demo", "--env", "preview", "x", "y"])).command).toBe("deploy");
  });
});

describe("parseLoginArgs / parseLogoutArgs", () => {
  it("takes --url and --token and nothing positional", () => {
    expect(parseLoginArgs(["--url", "http://localhost:3000", "--token", "-"])).toEqual({ help: false, url: "http://localhost:3000", token: "-" });
    expect(usageError(() => parseLoginArgs(["http://localhost:3000"])).command).toBe("login");
    expect(usageError(() => parseLogoutArgs(["--token", "x"])).message).toBe("Unknown option --token.");
  });
});

describe("parsePromoteArgs", () => {
  const ID = "0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f";

  it("takes one deployment id (any case) and the connection flags", () => {
    expect(parsePromoteArgs([ID])).toEqual({ help: false, id: ID, url: undefined, token: undefined, confirmMigrations: false });
    expect(parsePromoteArgs([ID, "--confirm-migrations"])).toMatchObject({ id: ID, confirmMigrations: true });
    expect(parsePromoteArgs([ID.toUpperCase(), "--url", "https://c.example"])).toMatchObject({ id: ID, url: "https://c.example" });
    expect(parsePromoteArgs(["-h"])).toEqual({ help: true });
  });

  it("refuses a missing id, a short or malformed one, extra arguments and --yes", () => {
    expect(usageError(() => parsePromoteArgs([])).message).toMatch(/^Missing the deployment id/);
    expect(usageError(() => parsePromoteArgs(["0b5ac3c1"])).message).toMatch(/^"0b5ac3c1" is not a deployment id\. Give the full id/);
    expect(usageError(() => parsePromoteArgs([ID.replace(/-/g, "")])).command).toBe("promote");
    expect(usageError(() => parsePromoteArgs([`${ID} `.repeat(2).trim()])).command).toBe("promote");
    expect(usageError(() => parsePromoteArgs([ID, ID])).message).toBe(`Unexpected argument: "${ID}".`);
    expect(usageError(() => parsePromoteArgs([ID, "--yes"])).message).toBe("Unknown option --yes.");
  });
});

describe("normalizeConsoleUrl", () => {
  it("keeps http(s) URLs, without a trailing slash", () => {
    expect(normalizeConsoleUrl("https://slipway.example.com/", "--url")).toBe("https://slipway.example.com");
    expect(normalizeConsoleUrl(" http://localhost:3000 ", "--url")).toBe("http://localhost:3000");
    expect(normalizeConsoleUrl("https://example.com/slipway//", "--url")).toBe("https://example.com/slipway");
    expect(normalizeConsoleUrl("HTTPS://Example.COM", "--url")).toBe("https://example.com");
  });

  it("refuses other schemes, non-URLs, credentials and query strings, naming the source", () => {
    expect(usageError(() => normalizeConsoleUrl("ftp://example.com", "SLIPWAY_URL")).message).toMatch(/^SLIPWAY_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(usageError(() => normalizeConsoleUrl("localhost:3000", "--url")).message).toMatch(/^--url must be an http/);
    expect(usageError(() => normalizeConsoleUrl("not a url", "--url")).message).toMatch(/^--url is not a valid URL/);
    expect(usageError(() => normalizeConsoleUrl("https://me:pw@example.com", "--url")).message).toMatch(/user name or password/);
    expect(usageError(() => normalizeConsoleUrl("https://example.com/?a=1", "--url")).message).toMatch(/query string/);
  });
});

describe("resolveDeployDir", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-cli-args-"));
    await writeFile(path.join(tmp, "file.txt"), "x");
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("resolves a directory against the working directory", async () => {
    expect(await resolveDeployDir(".", tmp)).toBe(tmp);
  });

  it("refuses a missing path and a file", async () => {
    await expect(resolveDeployDir("nope", tmp)).rejects.toThrow(new CliError('Directory "nope" does not exist.'));
    await expect(resolveDeployDir("file.txt", tmp)).rejects.toThrow(/"file.txt" is not a directory/);
    await expect(resolveDeployDir("file.txt/sub", tmp)).rejects.toThrow(/does not exist/);
  });
});

describe("parseEnvPullArgs / parseEnvPushArgs", () => {
  it("pull defaults to Development and .env; push needs a file and an environment", () => {
    expect(parseEnvPullArgs(["-p", "demo"])).toEqual({
      help: false,
      project: "demo",
      environment: "development",
      branch: undefined,
      file: ".env",
      force: false,
      url: undefined,
      token: undefined,
    });
    expect(parseEnvPushArgs([".env.prod", "-p", "demo", "-e", "preview", "-b", "feat/x", "--sensitive", "--mutable", "--dry-run", "-y"])).toEqual({
      help: false,
      file: ".env.prod",
      project: "demo",
      environment: "preview",
      branch: "feat/x",
      sensitive: true,
      mutable: true,
      dryRun: true,
      yes: true,
      url: undefined,
      token: undefined,
    });
    expect(usageError(() => parseEnvPushArgs([".env", "-p", "demo"])).message).toMatch(/^Missing --environment/);
    expect(usageError(() => parseEnvPushArgs([".env", "-p", "demo", "-e", "production", "-b", "x"])).message).toMatch(/--branch needs --environment preview/);
    expect(usageError(() => parseEnvPullArgs(["-p", "demo", "--file"])).message).toBe("Option --file needs a value.");
  });
});
