import { isIP } from "node:net";
import { NON_PUBLIC_V4, NON_PUBLIC_V6 } from "@/lib/platform/non-public-addresses";

// The nftables ruleset of a sandbox's network namespace. The namespace's only
// way out is slirp4netns (10.0.2.0/24: gateway 10.0.2.2 = the host, DNS
// 10.0.2.3). The rules, set as root before any user code runs (a sandboxed
// process has no capability over this namespace, so it cannot change them):
//
// - its own loopback: allowed (a build may start a local server for tests);
// - slirp's DNS forwarder: allowed;
// - the host's loopback, the host's own addresses, private, link-local,
//   shared (CGNAT), multicast and reserved ranges: refused at once (reject,
//   not drop, so a client fails fast with "connection refused"/"unreachable");
// - anything else (the internet: package registries, git hosts, APIs): allowed;
// - `allow` (a project's setting) opens single host:ports before the refusals,
//   for an app's own database on this machine or the private network. The
//   platform's own ports are never opened (see checkAllowList).
export type HostPort = { host: string; port: number };

export const SLIRP_GATEWAY = "10.0.2.2";
export const SLIRP_DNS = "10.0.2.3";

/** An allowed host:port as the sandbox sees it: a loopback address of the host is reached through slirp's gateway. */
function insideAddress(host: string): string {
  return isLoopback(host) ? SLIRP_GATEWAY : host;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

export function egressRuleset(opts: { hostAddresses: string[]; allow: HostPort[] }): string {
  const v4Host = opts.hostAddresses.filter((a) => isIP(a) === 4);
  const v6Host = opts.hostAddresses.filter((a) => isIP(a) === 6);
  const allowLines = opts.allow.map(({ host, port }) => {
    const addr = insideAddress(host);
    const family = isIP(addr) === 6 ? "ip6" : "ip";
    return `    ${family} daddr ${addr} tcp dport ${port} accept`;
  });
  // Loopback entries are also reached at their own address (127.0.0.1:5432 in
  // DATABASE_URL): rewritten to the gateway, with route_localnet set.
  const nat = opts.allow
    .filter(({ host }) => isLoopback(host) && isIP(host) !== 6)
    .map(({ host, port }) => `    ip daddr ${host === "localhost" ? "127.0.0.1" : host} tcp dport ${port} dnat ip to ${SLIRP_GATEWAY}:${port}`);
  const natTable = nat.length
    ? [
        "table ip slipway_nat {",
        "  chain output {",
        "    type nat hook output priority -100; policy accept;",
        ...nat,
        "  }",
        "  chain postrouting {",
        "    type nat hook postrouting priority 100; policy accept;",
        `    ip daddr ${SLIRP_GATEWAY} oif != "lo" masquerade`,
        "  }",
        "}",
      ]
    : [];
  return [
    "table inet slipway {",
    "  chain output {",
    "    type filter hook output priority 0; policy accept;",
    // Its own loopback (also how the refusals below reach the refused socket: an ICMP error to itself).
    '    oif "lo" accept',
    `    ip daddr ${SLIRP_DNS} udp dport 53 accept`,
    `    ip daddr ${SLIRP_DNS} tcp dport 53 accept`,
    ...allowLines,
    `    ip daddr { ${[...NON_PUBLIC_V4, ...v4Host].join(", ")} } reject with icmp type admin-prohibited`,
    `    ip6 daddr { ${[...NON_PUBLIC_V6, ...v6Host].join(", ")} } reject with icmpv6 type admin-prohibited`,
    "  }",
    "}",
    ...natTable,
    "",
  ].join("\n");
}

/**
 * Checks a project's allow list: each entry an IP address (or localhost) and port, none
 * of them a port of the platform on this machine. Returns the first problem.
 */
export function checkAllowList(allow: HostPort[], platformPorts: number[]): string | null {
  for (const { host, port } of allow) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `${host}:${port} is not a valid port.`;
    if (!(isIP(host) || host === "localhost")) return `${JSON.stringify(host)} is not an IP address (or localhost).`;
    if (platformPorts.includes(port)) return `${host}:${port} is a port of Slipway itself; it can never be opened to user code.`;
  }
  return null;
}

/** "10.0.0.5:5432", "localhost:5432", "[fd00::5]:5432" → host and port; null if it is none of these. */
export function parseHostPort(entry: string): HostPort | null {
  const m = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(entry) ?? /^([^:\s]+):(\d{1,5})$/.exec(entry);
  if (!m) return null;
  return { host: m[1].toLowerCase(), port: Number(m[2]) };
}

/** A project's stored allow list (checked when it was saved) as host:ports; anything unreadable is left out. */
export const parseAllowList = (entries: readonly string[]): HostPort[] => entries.flatMap((entry) => parseHostPort(entry) ?? []);
