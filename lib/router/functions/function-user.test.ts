import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { childEnv } from "@/lib/platform/child-env";
import { claimUid, type FunctionUser, killUid, pidsOfUid, releaseUid, resolveFunctionUser } from "@/lib/router/functions/function-user";

const IS_ROOT = process.getuid?.() === 0;
const FILES = {
  passwd: "root:x:0:0:root:/root:/bin/bash\nnobody:x:65000:65001:nobody:/nonexistent:/usr/sbin/nologin\napp:x:1500:1600::/home/app:/bin/sh\n",
  group: "root:x:0:\nnogroup:x:65002:\n",
};

afterEach(() => cleanupTempDirs());

describe("resolveFunctionUser", () => {
  it("is null when the router is not root, whatever the variables say", () => {
    expect(resolveFunctionUser({ FUNCTION_UID: "1500" }, false, FILES)).toBeNull();
    expect(resolveFunctionUser({ FUNCTION_UID: "bogus" }, false, FILES)).toBeNull();
  });

  it("defaults to a uid per host from 200000-265535", () => {
    expect(resolveFunctionUser({}, true, FILES)).toMatchObject({ mode: "per-host", first: 200000, last: 265535 });
    expect(resolveFunctionUser({ FUNCTION_UID_RANGE: " 300000 - 300009 ", FUNCTION_UID_LOCK_DIR: "/x/locks" }, true, FILES)).toEqual({
      mode: "per-host",
      first: 300000,
      last: 300009,
      lockDir: "/x/locks",
    });
  });

  it("FUNCTION_UID (and FUNCTION_GID) select one shared user", () => {
    expect(resolveFunctionUser({ FUNCTION_UID: "1500" }, true, FILES)).toEqual({ mode: "shared", uid: 1500, gid: 1600 });
    expect(resolveFunctionUser({ FUNCTION_UID: "4242" }, true, FILES)).toEqual({ mode: "shared", uid: 4242, gid: 4242 });
    expect(resolveFunctionUser({ FUNCTION_UID: "1500", FUNCTION_GID: "77" }, true, FILES)).toEqual({ mode: "shared", uid: 1500, gid: 77 });
  });

  it("FUNCTION_UID_RANGE=off (or FUNCTION_GID alone) selects nobody:nogroup from /etc/passwd and /etc/group, else 65534", () => {
    expect(resolveFunctionUser({ FUNCTION_UID_RANGE: "off" }, true, FILES)).toEqual({ mode: "shared", uid: 65000, gid: 65002 });
    expect(resolveFunctionUser({ FUNCTION_GID: "77" }, true, FILES)).toEqual({ mode: "shared", uid: 65000, gid: 77 });
    expect(resolveFunctionUser({ FUNCTION_UID_RANGE: "none" }, true, { passwd: FILES.passwd, group: "" })).toEqual({ mode: "shared", uid: 65000, gid: 65001 });
    expect(resolveFunctionUser({ FUNCTION_UID_RANGE: "off" }, true, { passwd: "", group: "" })).toEqual({ mode: "shared", uid: 65534, gid: 65534 });
  });

  it("rejects ids that are not integers ≥ 1, and malformed ranges", () => {
    for (const bad of ["0", "-1", "1.5", "abc", "1e3", "2147483648", "4294967295", "99999999999"]) {
      expect(() => resolveFunctionUser({ FUNCTION_UID: bad }, true, FILES), bad).toThrow(/FUNCTION_UID must be an integer/);
      expect(() => resolveFunctionUser({ FUNCTION_UID: "1500", FUNCTION_GID: bad }, true, FILES), bad).toThrow(/FUNCTION_GID must be an integer/);
    }
    expect(() => resolveFunctionUser({ FUNCTION_UID_RANGE: "200000" }, true, FILES)).toThrow(/FUNCTION_UID_RANGE must look like/);
    expect(() => resolveFunctionUser({ FUNCTION_UID_RANGE: "0-10" }, true, FILES)).toThrow(/FUNCTION_UID_RANGE/);
    expect(() => resolveFunctionUser({ FUNCTION_UID_RANGE: "20-10" }, true, FILES)).toThrow(/is empty/);
  });
});

describe.skipIf(!IS_ROOT)("uid claims (needs root: skipped otherwise)", () => {
  // Far above anything real: no process, passwd entry or subuid range has these.
  const FIRST = 2_000_000_000;
  const range = async (n: number): Promise<Extract<FunctionUser, { mode: "per-host" }>> => ({
    mode: "per-host",
    first: FIRST,
    last: FIRST + n - 1,
    lockDir: path.join(await makeTempDir("uid-locks"), "locks"),
  });

  it("hands out each uid once, skips ones another live router holds, reclaims dead routers' ones", async () => {
    const user = await range(3);
    claimUid(user); // creates the directory
    releaseUid(user, readdirSync(user.lockDir).map((n) => Number(n.split(".")[0]))[0]);
    writeFileSync(path.join(user.lockDir, `${FIRST}.1`), "1\n"); // pid 1 is alive: taken
    writeFileSync(path.join(user.lockDir, `${FIRST + 1}.999999999`), ""); // no such pid: stale
    const got = new Set([claimUid(user, 500), claimUid(user, 500)]);
    expect(got).toEqual(new Set([FIRST + 1, FIRST + 2]));
    expect(() => claimUid(user, 50)).toThrow(/no free uid/);
    expect(existsSync(path.join(user.lockDir, `${FIRST + 1}.999999999`))).toBe(false);
    releaseUid(user, FIRST + 2);
    expect(claimUid(user, 500)).toBe(FIRST + 2);
    releaseUid(user, FIRST + 1);
    releaseUid(user, FIRST + 2);
    expect(readdirSync(user.lockDir)).toEqual([`${FIRST}.1`]);
  });

  it("refuses a lock directory others could write to", async () => {
    const user = await range(1);
    const open = path.join(path.dirname(user.lockDir), "open");
    spawnSync("sh", ["-c", `mkdir -m 0777 '${open}'`]);
    expect(() => claimUid({ ...user, lockDir: open })).toThrow(/only root can change/);
  });

  it("killUid kills every process of a uid", async () => {
    const uid = FIRST + 7;
    const sleeper = spawnSync("sh", ["-c", "(setsid sleep 30 >/dev/null 2>&1 &); (sleep 31 >/dev/null 2>&1 &)"], { uid, gid: uid, env: childEnv({}) });
    expect(sleeper.status).toBe(0);
    expect((await pidsOfUid(uid)).length).toBe(2);
    expect(await killUid(uid, uid)).toBe(true);
    expect(await pidsOfUid(uid)).toEqual([]);
  });
});
