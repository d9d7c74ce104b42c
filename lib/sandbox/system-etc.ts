import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SLIRP_DNS } from "@/lib/sandbox/egress-rules";

// The /etc a sandbox sees: generated passwd, group, hosts, resolv.conf (slirp's
// DNS forwarder) and nsswitch.conf, plus SYSTEM_ETC bound read-only from the
// host when present (certificates, the dynamic loader's cache, time zones,
// Debian's alternatives that /usr/bin links point into). Nothing else of the
// host's /etc: no shadow, no ssh keys, no machine-id.
export const SYSTEM_ETC = ["ssl", "ca-certificates", "ca-certificates.conf", "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "protocols", "services", "mime.types", "host.conf", "gai.conf", "os-release"];

const ETC_ROOT = existsSync("/run") ? "/run/slipway/etc" : "/tmp/slipway-etc";

/** A directory (root's, readable by all) holding the generated files for `uid`; made once. */
export function sandboxEtc(uid: number): string {
  const dir = path.join(ETC_ROOT, String(uid));
  if (existsSync(path.join(dir, "passwd"))) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let p = dir; p !== path.dirname(ETC_ROOT); p = path.dirname(p)) chmodSync(p, 0o755);
  const files: Record<string, string> = {
    group: `root:x:0:\napp:x:${uid}:\nnogroup:x:65534:\n`,
    hosts: "127.0.0.1 localhost sandbox\n::1 localhost\n",
    "resolv.conf": `nameserver ${SLIRP_DNS}\n`,
    "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
    // passwd last: its presence says the directory is complete.
    passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\napp:x:${uid}:${uid}:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    const tmp = path.join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, text, { mode: 0o644 });
    chmodSync(tmp, 0o644);
    renameSync(tmp, path.join(dir, name));
  }
  return dir;
}
