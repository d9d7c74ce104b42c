import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configPath, loadConnection, readConfig, removeConfig, resolveConnection, writeConfig } from "@/lib/cli/config";
import { CliError } from "@/lib/cli/errors";

const TOKEN_A = "slw_" + "a".repeat(43);
const TOKEN_B = "slw_" + "b".repeat(43);
const TOKEN_C = "slw_" + "c".repeat(43);

describe("config file", () => {
  let xdg: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    xdg = await mkdtemp(path.join(os.tmpdir(), "slipway-cli-config-"));
    env = { XDG_CONFIG_HOME: xdg, HOME: "/nonexistent-home" };
  });
  afterEach(() => rm(xdg, { recursive: true, force: true }));

  it("lives under XDG_CONFIG_HOME, else ~/.config (a relative XDG_CONFIG_HOME is ignored)", () => {
    expect(configPath(env)).toBe(path.join(xdg, "slipway", "config.json"));
    expect(configPath({ HOME: "/home/dev" })).toBe("/home/dev/.config/slipway/config.json");
    expect(configPath({ HOME: "/home/dev", XDG_CONFIG_HOME: "rel" })).toBe("/home/dev/.config/slipway/config.json");
  });

  it("is written readable only by the user, in a directory only the user can enter", async () => {
    const file = await writeConfig(env, { url: "https://c.example", token: TOKEN_A });
    expect(file).toBe(configPath(env));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ url: "https://c.example", token: TOKEN_A });
    expect(await readConfig(env)).toEqual({ url: "https://c.example", token: TOKEN_A });
  });

  it("tightens an existing directory and replaces an existing file", async () => {
    await mkdir(path.join(xdg, "slipway"), { mode: 0o755 });
    await writeFile(configPath(env), "{}", { mode: 0o644 });
    await writeConfig(env, { url: "https://c.example", token: TOKEN_A });
    expect((await stat(configPath(env))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(xdg, "slipway"))).mode & 0o777).toBe(0o700);
  });

  it("reads as null when missing, and says how to fix a broken file", async () => {
    expect(await readConfig(env)).toBeNull();
    await mkdir(path.join(xdg, "slipway"), { recursive: true });
    await writeFile(configPath(env), "{nope");
    await expect(readConfig(env)).rejects.toThrow(/is not valid JSON. Run `slipway login` again/);
    await writeFile(configPath(env), JSON.stringify({ url: "https://c.example" }));
    await expect(readConfig(env)).rejects.toThrow(/has no url and token/);
  });

  it("is removed by removeConfig, which reports whether there was one", async () => {
    expect(await removeConfig(env)).toBeNull();
    await writeConfig(env, { url: "https://c.example", token: TOKEN_A });
    expect(await removeConfig(env)).toBe(configPath(env));
    expect(await readConfig(env)).toBeNull();
  });

  it("feeds loadConnection when neither flags nor environment give both values", async () => {
    await writeConfig(env, { url: "https://c.example/", token: TOKEN_A });
    expect(await loadConnection({}, env)).toEqual({ url: "https://c.example", token: TOKEN_A });
    expect(await loadConnection({ token: TOKEN_B }, env)).toEqual({ url: "https://c.example", token: TOKEN_B });
    // Both given: the (here broken) file is not even read.
    await writeFile(configPath(env), "{nope");
    expect(await loadConnection({ url: "http://localhost:3000" }, { ...env, SLIPWAY_TOKEN: TOKEN_C })).toEqual({ url: "http://localhost:3000", token: TOKEN_C });
  });
});

describe("resolveConnection precedence", () => {
  const saved = { url: "https://saved.example", token: TOKEN_A };
  const env = { SLIPWAY_URL: "https://env.example", SLIPWAY_TOKEN: TOKEN_B };

  it("prefers flags, then the environment, then the saved file, for each value", () => {
    expect(resolveConnection({ url: "https://flag.example", token: TOKEN_C }, env, saved)).toMatchObject({
      url: "https://flag.example",
      token: TOKEN_C,
      sources: { url: "flag", token: "flag" },
    });
    expect(resolveConnection({}, env, saved)).toMatchObject({ url: "https://env.example", token: TOKEN_B, sources: { url: "env", token: "env" } });
    expect(resolveConnection({}, {}, saved)).toMatchObject({ url: "https://saved.example", token: TOKEN_A, sources: { url: "config", token: "config" } });
    expect(resolveConnection({ token: TOKEN_C }, {}, saved)).toMatchObject({ url: "https://saved.example", token: TOKEN_C });
    expect(resolveConnection({}, { SLIPWAY_TOKEN: TOKEN_B }, saved)).toMatchObject({ url: "https://saved.example", token: TOKEN_B });
    expect(resolveConnection({ url: "https://flag.example" }, { SLIPWAY_TOKEN: TOKEN_B }, null)).toMatchObject({ url: "https://flag.example", token: TOKEN_B });
  });

  it("ignores blank environment variables", () => {
    expect(resolveConnection({}, { SLIPWAY_URL: " ", SLIPWAY_TOKEN: "" }, saved)).toMatchObject({ sources: { url: "config", token: "config" } });
  });

  it("never sends a saved token to a different console", () => {
    expect(() => resolveConnection({ url: "https://other.example" }, {}, saved)).toThrow(/saved token is for https:\/\/saved.example, not https:\/\/other.example/);
    expect(() => resolveConnection({}, { SLIPWAY_URL: "https://other.example" }, saved)).toThrow(CliError);
    // The same console spelled differently is fine.
    expect(resolveConnection({ url: "https://SAVED.example/" }, {}, saved)).toMatchObject({ token: TOKEN_A });
  });

  it("explains how to get a token when something is missing", () => {
    expect(() => resolveConnection({}, {}, null)).toThrow(/Not logged in[\s\S]*Team → API tokens[\s\S]*slipway login --url/);
    expect(() => resolveConnection({ url: "https://c.example" }, {}, null)).toThrow(/No API token for https:\/\/c.example[\s\S]*Team → API tokens/);
    expect(() => resolveConnection({ token: TOKEN_A }, {}, null)).toThrow(/No console URL: pass --url or set SLIPWAY_URL/);
  });

  it("checks the URL wherever it came from", () => {
    expect(() => resolveConnection({}, { SLIPWAY_URL: "ftp://x", SLIPWAY_TOKEN: TOKEN_A }, null)).toThrow(/^SLIPWAY_URL must be an http/);
    expect(() => resolveConnection({}, {}, { url: "file:///etc", token: TOKEN_A })).toThrow(/^The saved console URL must be an http/);
  });
});
