import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { lookup } from "node:dns/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { request, type APIRequestContext } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, test } from "./fixtures";

// The hostile-build suite (issue 15): real deploys through the API with a
// developer-role API token, one hostile app per attack. Each test asserts
// that the attack failed AND that the platform kept working (the console
// answers, the router serves a victim project's live site, and the next
// normal deploy goes live). The attacker is told everything about the
// machine (DATA_DIR, Slipway's checkout, every port): the sandbox must hold
// without secrecy.

test.describe.configure({ mode: "serial" });

const ROOT = path.resolve(import.meta.dirname, "..");
const run = Date.now().toString(36);
const baseURL = () => process.env.E2E_BASE_URL!;
const routerURL = () => process.env.E2E_ROUTER_URL!;
const dataDir = () => process.env.E2E_DATA_DIR!;

const LOG_DIR = path.join(ROOT, "test-results", "hostile-builds");
let logs = 0;

type Finished = { id: string; status: string; failureReason: string | null; log: string };

let owner: APIRequestContext;
let dev: APIRequestContext;
let work: string;
let listener: net.Server;
let facts: string;
const attacker = `hostile-${run}`;
const victim = `victim-${run}`;

const port = (url: string) => new URL(url).port;
const hostAddresses = () =>
  Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address.replace(/%.*$/, ""));

test.beforeAll(async () => {
  owner = await request.newContext({ baseURL: baseURL() });
  const { csrfToken } = await (await owner.get("/api/auth/csrf")).json();
  const signIn = await owner.post("/api/auth/callback/credentials", { form: { csrfToken, email: E2E_ADMIN.email, password: E2E_ADMIN.password, json: "true" } });
  expect(signIn.ok()).toBe(true);
  const me = await (await owner.get("/api/me")).json();
  const teamId = me.teams.find((t: { role: string }) => t.role === "owner").id;
  const created = await owner.post(`/api/teams/${teamId}/tokens`, { data: { name: `hostile ${run}`, role: "developer", expiresInDays: 7 } });
  expect(created.status()).toBe(201);
  const { token } = await created.json();
  dev = await request.newContext({ baseURL: baseURL(), extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  for (const slug of [attacker, victim]) {
    const res = await dev.post("/api/projects", { data: { teamId, name: slug, slug, sourceKind: "archive" } });
    expect(res.status(), await res.text()).toBe(201);
  }
  work = mkdtempSync(path.join(os.tmpdir(), "e2e-hostile-"));
  // A port bound to every interface, as a platform's would be with BIND_HOST=0.0.0.0.
  listener = net.createServer((s) => s.on("error", () => {}).end("platform\n"));
  await new Promise<void>((resolve) => listener.listen(0, "0.0.0.0", resolve));
  const listenerPort = (listener.address() as net.AddressInfo).port;
  const platformPorts = [port(baseURL()), port(routerURL()), port(process.env.E2E_ROUTER_ADMIN_URL!), process.env.E2E_PG_PORT!, String(listenerPort)];
  const targets = [
    ...platformPorts.flatMap((p) => [`127.0.0.1:${p}`, `10.0.2.2:${p}`, ...hostAddresses().map((a) => (a.includes(":") ? `[${a}]:${p}` : `${a}:${p}`))]),
  ];
  facts = [
    `DATA=${JSON.stringify(dataDir())}`,
    `ROOT=${JSON.stringify(ROOT)}`,
    `RUN=${run}`,
    `TARGETS=${JSON.stringify(targets.join(" "))}`,
    `REGISTRY=${JSON.stringify((await lookup("registry.npmjs.org")).address)}`,
  ].join("\n");
  // The victim: a live site the router must keep serving throughout.
  const first = await finish(await deploy(victim, siteFiles("victim v1")));
  expect(first.status, first.log).toBe("live");
});

test.afterAll(async () => {
  listener?.close();
  await dev?.dispose();
  await owner?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Every deploy goes straight to live (no canary stages: these tests are about the sandbox).
const settings = (s: Record<string, unknown>) => JSON.stringify({ canary: "skip", ...s });

function siteFiles(text: string): Record<string, string> {
  return { "slipway.json": settings({ installCommand: "true", buildCommand: "mkdir -p dist && cp index.html dist/" }), "index.html": text };
}

/** An app whose build runs `attack.sh` (with the machine's facts in facts.sh) after making dist/. */
function attackFiles(script: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "slipway.json": settings({ installCommand: "true", buildCommand: "sh attack.sh" }),
    "facts.sh": `${facts}\n`,
    "attack.sh": `. ./facts.sh\nmkdir -p dist\necho "attacked" > dist/index.html\n${script}\n`,
    ...extra,
  };
}

let seq = 0;
async function deploy(slug: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, `app-${++seq}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  execFileSync("tar", ["-czf", `${dir}.tar.gz`, "-C", dir, "."]);
  const res = await dev.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: readFileSync(`${dir}.tar.gz`) });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).deployment.id;
}

async function finish(id: string): Promise<Finished> {
  const lines: string[] = [];
  let after = 0;
  const deadline = Date.now() + 150_000;
  for (;;) {
    const page = await (await dev.get(`/api/deployments/${id}/logs?after=${after}&limit=5000`)).json();
    for (const l of page.lines) lines.push(l.text);
    if (page.lines.length) after = page.lines.at(-1).seq;
    if (page.done && page.lines.length === 0) break;
    if (Date.now() > deadline) throw new Error(`deployment ${id} did not finish:\n${lines.join("\n")}`);
    if (!page.done) await new Promise((r) => setTimeout(r, 300));
  }
  const { deployment } = await (await dev.get(`/api/deployments/${id}`)).json();
  const done = { id, status: deployment.status, failureReason: deployment.failureReason ?? null, log: lines.join("\n") };
  // Every attack's build log, as evidence of what it saw (RELIABILITY.md, "Isolation").
  mkdirSync(LOG_DIR, { recursive: true });
  writeFileSync(path.join(LOG_DIR, `${String(++logs).padStart(2, "0")}-${id}.log`), `${done.status} ${done.failureReason ?? ""}\n${done.log}\n`);
  return done;
}

async function attack(script: string, extra?: Record<string, string>) {
  return finish(await deploy(attacker, attackFiles(script, extra)));
}

/** The platform still works: console healthy, the victim served, and a normal deploy goes live. */
async function platformKeepsWorking(normalDeploy = true) {
  expect((await owner.get("/api/healthz")).status()).toBe(200);
  const site = await routerGet(routerURL(), `${victim}.localhost`, "/");
  expect(site.status).toBe(200);
  expect(site.body.toString()).toContain("victim v1");
  if (normalDeploy) {
    const next = await finish(await deploy(attacker, siteFiles(`normal after ${seq}`)));
    expect(next.status, next.log).toBe("live");
    expect((await routerGet(routerURL(), `${attacker}.localhost`, "/")).body.toString()).toContain(`normal after`);
  }
}

const loot = (log: string, tag: string) => log.split("\n").filter((l) => l.startsWith(`${tag} `));

test("a build cannot read the secret key, the store, DATA_DIR, Slipway's checkout or /root", async () => {
  const key = readFileSync(path.join(dataDir(), "secrets", "secret-key"));
  const d = await attack(`
for f in "$DATA/secrets/secret-key" "$DATA/secrets/postgres-password" "$DATA/store" "$DATA" "$ROOT/package.json" "$ROOT/.env" "$ROOT" /root; do
  if out=$(cat "$f" 2>&1 || ls "$f" 2>&1); then echo "LEAK $f"; else echo "DENIED $f: $(ls "$f" 2>&1 | head -1)"; fi
done
cp "$DATA/secrets/secret-key" dist/key 2>&1 | sed 's/^/CP /'`);
  expect(d.status, d.log).toBe("live");
  expect(loot(d.log, "LEAK")).toEqual([]);
  expect(loot(d.log, "DENIED")).toHaveLength(8);
  for (const line of loot(d.log, "DENIED")) expect(line).toMatch(/No such file or directory/);
  expect((await routerGet(routerURL(), `${attacker}.localhost`, "/key")).body.includes(key)).toBe(false);
  await platformKeepsWorking();
});

test("a build cannot read another project's workspace or dependency cache", async () => {
  // The victim's cache exists on the host...
  const cacheRoot = path.join(dataDir(), "cache");
  expect(existsSync(cacheRoot)).toBe(true);
  const d = await attack(`
for f in "$DATA/workspaces" "$DATA/cache" "$DATA/cache/deps" "$DATA/cache/npm"; do
  if ls "$f" >/dev/null 2>&1; then echo "LEAK $f"; else echo "DENIED $f: $(ls "$f" 2>&1 | head -1)"; fi
done
echo "VISIBLE $(ls / | tr '\\n' ' ')"
echo "WORKSPACE $(ls /workspace | tr '\\n' ' ')"`);
  expect(d.status, d.log).toBe("live");
  expect(loot(d.log, "LEAK")).toEqual([]);
  expect(loot(d.log, "DENIED")).toHaveLength(4);
  // ...but all the build sees is the system, its own workspace and its project's npm cache.
  expect(loot(d.log, "VISIBLE")[0].split(" ").filter(Boolean).sort()).toEqual(expect.arrayContaining(["cache", "dev", "etc", "proc", "tmp", "usr", "workspace"]));
  expect(loot(d.log, "VISIBLE")[0]).not.toMatch(/\broot\b|\bhome\b|\bwork\b/);
  expect(loot(d.log, "WORKSPACE")[0].split(" ").slice(1).filter(Boolean).sort()).toEqual(["app", "home"]);
  await platformKeepsWorking();
});

test("a build sees no platform process: no environ to read, nothing to kill (kill -9 -1)", async () => {
  const d = await attack(`
echo "PROCS $(ls /proc | grep -c '^[0-9][0-9]*$')"
if cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q -e '^DATABASE_URL=postgres' -e '^NEXTAUTH_SECRET=' -e '^SLIPWAY_SECRET_KEY='; then echo "LEAK environ"; else echo "CLEAN environ"; fi
kill -9 1 2>/dev/null
kill -9 -1
echo "SURVIVED kill -9 -1"`);
  // kill -9 -1 reaches only the build's own processes: the shell that ran attack.sh dies (code 137), nothing else.
  expect(d.failureReason).toBe("`sh attack.sh`: Command exited with code 137.");
  expect(loot(d.log, "LEAK")).toEqual([]);
  expect(loot(d.log, "CLEAN")).toEqual(["CLEAN environ"]);
  expect(Number(loot(d.log, "PROCS")[0].split(" ")[1])).toBeLessThanOrEqual(8);
  await platformKeepsWorking();
});

const PROBE = (targets: string, registry: string) => `
import net from "node:net";
const targets = ${targets}.split(" ").filter(Boolean).map((t) => { const i = t.lastIndexOf(":"); return [t.slice(0, i).replace(/^\\[|\\]$/g, ""), Number(t.slice(i + 1))]; });
targets.push([${registry}, 443]);
export const probe = () => Promise.all(targets.map(([host, port]) => new Promise((resolve) => {
  const s = net.connect({ host, port, timeout: 4000 });
  s.on("connect", () => { s.destroy(); resolve(host + ":" + port + " connected"); });
  s.on("timeout", () => { s.destroy(); resolve(host + ":" + port + " timeout"); });
  s.on("error", (e) => resolve(host + ":" + port + " " + e.code));
})));
`;

function checkNetwork(results: string[], registry: string) {
  const reached = results.filter((r) => r.endsWith(" connected"));
  // Egress to the internet works; nothing of the machine answers: not its loopback, not slirp's gateway to it, not its own addresses.
  expect(reached).toEqual([`${registry}:443 connected`]);
  expect(results.length).toBeGreaterThan(10);
  // Refused at once, not left to time out: a client fails fast.
  expect(results.filter((r) => r !== reached[0] && !/ (ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EINVAL)$/.test(r))).toEqual([]);
}

test("a build reaches the internet but none of the platform's ports: Postgres, console, router, router admin", async () => {
  const registry = JSON.parse(/REGISTRY=(.*)/.exec(facts)![1]);
  // From the host the all-interfaces listener answers at every host address, so only the sandbox's filter stands between.
  for (const a of hostAddresses().filter((x) => !x.includes(":"))) {
    const ok = await new Promise((r) => net.connect((listener.address() as net.AddressInfo).port, a).on("connect", function (this: net.Socket) { this.destroy(); r(true); }).on("error", () => r(false)));
    expect(ok, `host ${a} reaches the listener`).toBe(true);
  }
  const d = await attack(`node --input-type=module -e "import { probe } from './probe.mjs'; for (const r of await probe()) console.log('NET ' + r)"`, {
    "probe.mjs": PROBE(JSON.stringify(JSON.parse(/TARGETS=(.*)/.exec(facts)![1])), JSON.stringify(registry)),
  });
  expect(d.status, d.log).toBe("live");
  checkNetwork(loot(d.log, "NET").map((l) => l.slice(4)), registry);
  await platformKeepsWorking(false);
});

test("a function reaches the internet but none of the platform's ports", async () => {
  const registry = JSON.parse(/REGISTRY=(.*)/.exec(facts)![1]);
  const d = await attack(`mkdir -p dist/api && cp probe.mjs dist/api/probe-lib.js && cp net.js dist/api/net.js`, {
    "probe.mjs": PROBE(JSON.stringify(JSON.parse(/TARGETS=(.*)/.exec(facts)![1])), JSON.stringify(registry)),
    "net.js": `import { probe } from "./probe-lib.js"; export default async () => Response.json(await probe());`,
  });
  expect(d.status, d.log).toBe("live");
  const r = await routerGet(routerURL(), `${attacker}.localhost`, "/api/net");
  expect(r.status, r.body.toString()).toBe(200);
  checkNetwork(JSON.parse(r.body.toString()), registry);
  await platformKeepsWorking();
});

test("a fork bomb stops at the process limit, naming it", async () => {
  const d = await attack(`i=0; while [ $i -lt 3000 ]; do sleep 300 & i=$((i+1)); done 2>/dev/null; echo "FORKED $i"`);
  expect(d.status, d.log).toBe("failed");
  expect(d.failureReason).toMatch(/reached its limit of 256 processes and threads \(SANDBOX_PIDS\)/);
  await platformKeepsWorking();
});

test("a memory hog is killed at the memory limit, naming it", async () => {
  const d = await attack(`node -e "const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1))"`);
  expect(d.status, d.log).toBe("failed");
  expect(d.failureReason).toMatch(/used more than its memory limit of 1024 MB \(SANDBOX_MEMORY_MB\)/);
  await platformKeepsWorking();
});

test("filling the disk stops at the workspace limit; the host's disk is untouched and the space is freed", async () => {
  const free = () => {
    const s = execFileSync("df", ["-Pk", dataDir()]).toString().trim().split("\n")[1].split(/\s+/);
    return Number(s[3]) * 1024;
  };
  const before = free();
  const d = await attack(`head -c 2000000000 /dev/zero > fill.bin; ls -l fill.bin; exit 1`);
  expect(d.status, d.log).toBe("failed");
  expect(d.failureReason).toMatch(/the workspace is full: a build may use 512 MB \(SANDBOX_DISK_MB\)|wrote a file larger than its limit of 512 MB/);
  expect(Math.abs(free() - before)).toBeLessThan(256 << 20);
  expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(d.id); // the workspace's tmpfs is gone
  await platformKeepsWorking();
});

test("a build cannot write outside its workspace", async () => {
  const d = await attack(`
for d in /usr /usr/bin /etc /bin /lib /tmp /proc /dev "$DATA" "$ROOT" / /cache/..; do
  if touch "$d/slipway-evil-$RUN" 2>/dev/null; then echo "WROTE $d"; else echo "REFUSED $d"; fi
done`);
  expect(d.status, d.log).toBe("live");
  // /tmp (and /dev) are the sandbox's private tmpfs: writable inside, nothing of them outside.
  expect(loot(d.log, "WROTE").filter((l) => l !== "WROTE /tmp" && l !== "WROTE /dev")).toEqual([]);
  for (const dir of ["/usr", "/usr/bin", "/etc", "/bin", "/lib", "/tmp", dataDir(), ROOT, "/"]) {
    expect(existsSync(path.join(dir, `slipway-evil-${run}`)), dir).toBe(false);
  }
  await platformKeepsWorking();
});

test("setuid gives nothing: a planted setuid shell and the system's setuid tools stay unprivileged", async () => {
  const d = await attack(`
cp /bin/sh ./suid && chmod 4755 ./suid && ls -ln ./suid | sed 's/^/PLANTED /'
echo "UID $(id -u)"
echo "SUID-EUID $(./suid -p -c 'id -u')"
echo "MOUNT $(mount -t tmpfs none /tmp 2>&1 | head -1)"
echo "SU $(su -c id root </dev/null 2>&1 | head -1)"
cp -p suid dist/suid`);
  expect(d.status, d.log).toBe("live");
  const uid = Number(loot(d.log, "UID")[0].split(" ")[1]);
  expect(uid).toBeGreaterThanOrEqual(1000);
  expect(loot(d.log, "SUID-EUID")).toEqual([`SUID-EUID ${uid}`]);
  expect(loot(d.log, "MOUNT")[0]).toMatch(/must be superuser|not permitted|permission denied/i);
  expect(loot(d.log, "SU")[0]).not.toMatch(/uid=0/);
  // Bundles keep bytes, not modes: nothing setuid reaches the store.
  const setuid = execFileSync("find", [dataDir(), "-xdev", "-perm", "-4000"]).toString().trim();
  expect(setuid).toBe("");
  await platformKeepsWorking();
});

test("one project's build cannot poison another project's dependency cache", async () => {
  const lock = JSON.stringify({ name: "cachetest", lockfileVersion: 3, requires: true, packages: { "": { name: "cachetest" } } });
  const app = (mark: string) => ({
    "package.json": JSON.stringify({ name: "cachetest", private: true }),
    "package-lock.json": lock,
    "mark.txt": mark,
    "slipway.json": settings({
      installCommand: "mkdir -p node_modules/marker && cat mark.txt > node_modules/marker/index.txt",
      buildCommand: "mkdir -p dist && cp node_modules/marker/index.txt dist/index.html",
    }),
  });
  const poisoned = await finish(await deploy(attacker, app("POISON")));
  expect(poisoned.status, poisoned.log).toBe("live");
  // Same lockfile and install command again in the attacker's project: its own cache is used...
  const again = await finish(await deploy(attacker, app("ignored")));
  expect(again.log).toContain("Restored node_modules from the dependency cache");
  // ...but never in another project's.
  const clean = await finish(await deploy(victim, app("CLEAN")));
  expect(clean.status, clean.log).toBe("live");
  expect(clean.log).not.toContain("Restored node_modules");
  expect((await routerGet(routerURL(), `${victim}.localhost`, "/")).body.toString()).toBe("CLEAN");
  const back = await finish(await deploy(victim, siteFiles("victim v1")));
  expect(back.status).toBe("live");
  await platformKeepsWorking(false);
});

test("a function cannot read another deployment's files or variables", async () => {
  const secret = `victim-secret-${run}`;
  const set = await owner.post(`/api/projects/${victim}/env`, {
    data: { changes: [{ op: "set", key: "VICTIM_SECRET", value: secret, targets: ["production"], sensitive: true }] },
  });
  expect(set.status(), await set.text()).toBe(200);
  const v = await finish(
    await deploy(victim, {
      ...siteFiles("victim v1"),
      "slipway.json": settings({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp index.html dist/ && cp fn.js dist/api/fn.js" }),
      "fn.js": `const CODE_TOKEN = "victim-code-${run}"; export default () => new Response(process.env.VICTIM_SECRET?.startsWith("victim-secret-") ? "has secret" : "no secret " + CODE_TOKEN.length);`,
    }),
  );
  expect(v.status, v.log).toBe("live");
  expect((await routerGet(routerURL(), `${victim}.localhost`, "/api/fn")).body.toString()).toBe("has secret"); // its host runs now
  const d = await attack(`mkdir -p dist/api && cp spy.js dist/api/spy.js`, {
    "spy.js": `import fs from "node:fs";
      const read = (p) => { try { return fs.readFileSync(p, "latin1"); } catch (e) { return e.code; } };
      const list = (dir) => { try { return fs.readdirSync(dir); } catch { return []; } };
      const walk = (dir, depth = 0) => depth > 5 ? [] : list(dir).flatMap((n) => {
        const p = dir + "/" + n;
        try { return fs.lstatSync(p).isDirectory() ? [p, ...walk(p, depth + 1)] : [p, read(p).slice(0, 20000)]; } catch { return [p]; }
      });
      export default () => {
        const procs = fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n));
        const environs = procs.map((n) => read("/proc/" + n + "/environ") + read("/proc/" + n + "/cmdline")).join("\\n");
        return Response.json({ procs, everything: environs + "\\n" + ["/", ...list("/")].join(" ") + "\\n" + ["/app", "/home", "/run", "/tmp", "/slipway", "/etc", "/cache", "/workspace"].flatMap((d) => walk(d)).join("\\n") });
      };`,
  });
  expect(d.status, d.log).toBe("live");
  const r = await routerGet(routerURL(), `${attacker}.localhost`, "/api/spy");
  expect(r.status, r.body.toString()).toBe(200);
  const seen = JSON.parse(r.body.toString());
  expect(seen.procs.length).toBeLessThanOrEqual(4);
  expect(seen.everything).not.toContain(secret);
  expect(seen.everything).not.toContain(`victim-code-${run}`);
  expect(seen.everything).not.toMatch(/DATABASE_URL=postgres/);
  await platformKeepsWorking();
});

test("a build still reaches the npm registry: installing a real package works", async () => {
  const d = await finish(
    await deploy(attacker, {
      "package.json": JSON.stringify({ name: "registry-check", private: true, dependencies: { "left-pad": "1.3.0" } }),
      "slipway.json": settings({ installCommand: "npm install --no-audit --no-fund", buildCommand: "mkdir -p dist && node -e \"console.log(require('left-pad')('ok', 6, '*'))\" > dist/index.html" }),
    }),
  );
  expect(d.status, d.log).toBe("live");
  expect((await routerGet(routerURL(), `${attacker}.localhost`, "/")).body.toString().trim()).toBe("****ok");
  await platformKeepsWorking(false);
});
