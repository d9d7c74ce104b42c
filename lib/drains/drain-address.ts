import dns from "node:dns";
import net from "node:net";
import { NON_PUBLIC_V4, NON_PUBLIC_V6 } from "@/lib/platform/non-public-addresses";

// Where a drain may send: an absolute https:// URL without credentials, to a
// public address. A drain is a request the platform makes on a user's say-so,
// so it must not reach this machine or the private network (the database,
// the router's admin port, a cloud's metadata service), unless the operator
// allows it (DRAIN_ALLOW_PRIVATE=true, which also allows plain http://).
// The address is checked when the name is resolved for each delivery, so a
// name that later resolves elsewhere (DNS rebinding) is refused then.

const BLOCKED = new net.BlockList();
for (const [ranges, type] of [
  [NON_PUBLIC_V4, "ipv4"],
  [NON_PUBLIC_V6, "ipv6"],
] as const) {
  for (const cidr of ranges) {
    // Node's BlockList also checks every IPv4 address against IPv4-mapped IPv6
    // rules, so this one would block all of IPv4: mapped addresses are judged
    // as the IPv4 they carry instead (isPublicAddress).
    if (cidr === "::ffff:0:0/96") continue;
    const [subnet, prefix] = cidr.split("/");
    BLOCKED.addSubnet(subnet, Number(prefix), type);
  }
}

export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  // IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !BLOCKED.check(mapped[1], "ipv4");
  return !BLOCKED.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** The URL a drain may use, or why not (a sentence for the person who typed it). */
export function checkDrainUrl(raw: string, allowPrivate: boolean): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "Give an absolute URL, e.g. https://logs.example.com/ingest." };
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return { ok: false, message: "A drain sends logs over https:// only." };
  if (url.username || url.password) return { ok: false, message: "Put no user or password in the URL: the drain signs each request with its own secret instead." };
  if (url.hash) return { ok: false, message: "A drain URL has no #fragment." };
  if (!allowPrivate && net.isIP(url.hostname.replace(/^\[|\]$/g, "")) && !isPublicAddress(url.hostname.replace(/^\[|\]$/g, ""))) {
    return { ok: false, message: "That address is on this machine or a private network; a drain sends to public addresses only." };
  }
  return { ok: true, url };
}

/** A dns.lookup for http(s).request that refuses non-public addresses (unless allowed). */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} resolves only to addresses on this machine or a private network`), { code: "EDRAINPRIVATE" }), "", 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
      callback(null, usable[0].address, usable[0].family);
    });
  };
}
